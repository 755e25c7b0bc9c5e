'use strict';

const COMPASS = ['N', 'NNE', 'NE', 'ENE', 'E', 'ESE', 'SE', 'SSE',
  'S', 'SSW', 'SW', 'WSW', 'W', 'WNW', 'NW', 'NNW'];

function compassPoint(degrees) {
  const normalized = ((degrees % 360) + 360) % 360;
  return COMPASS[Math.floor(normalized / 22.5 + 0.5) % 16];
}

function formatTemperature(celsius, unit = 'C') {
  const u = String(unit).toUpperCase();
  if (u !== 'C' && u !== 'F') throw new RangeError(`unknown temperature unit: ${unit}`);
  const value = Math.round(u === 'F' ? celsius * 9 / 5 + 32 : celsius);
  return `${value === 0 ? 0 : value}°${u}`;
}

module.exports = { compassPoint, formatTemperature };
