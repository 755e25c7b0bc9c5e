// Package skycast formats weather readings for humans.
package skycast

import "math"

var compass = [16]string{"N", "NNE", "NE", "ENE", "E", "ESE", "SE", "SSE",
	"S", "SSW", "SW", "WSW", "W", "WNW", "NW", "NNW"}

// CompassPoint maps a bearing in degrees (0 = north) to one of 16 points.
func CompassPoint(degrees float64) string {
	normalized := math.Mod(math.Mod(degrees, 360)+360, 360)
	return compass[int(normalized/22.5+0.5)%16]
}
