'use strict';

/**
 * Turn an array of command-line words into an object of options plus positional `_` words.
 */

const NUMERIC = /^[-+]?(?:\d+(?:\.\d*)?|\.\d+)(e[-+]?\d+)?$/;
const HEX = /^0x[0-9a-f]+$/i;
const LOOKS_LIKE_FLAG = /^(-|--)[^-]/;
const BOOLEAN_WORD = /^(true|false)$/;
const SHARED_PROTOTYPES = [Object.prototype, Number.prototype, String.prototype];

const looksNumeric = (word) => typeof word === 'number' || HEX.test(word) || NUMERIC.test(word);

const isDangerousKey = (target, name) => name === '__proto__'
	|| (name === 'constructor' && typeof target[name] === 'function');

// Never write into a built-in prototype: swap it for a fresh container first.
function detach(container) {
	if (SHARED_PROTOTYPES.includes(container)) { return {}; }
	return container === Array.prototype ? [] : container;
}

function pathExists(root, path) {
	const parent = path.slice(0, -1).reduce((node, part) => node[part] || {}, root);
	return path[path.length - 1] in parent;
}

function createParser(settings) {
	const known = { booleans: {}, strings: {}, onUnknown: null, everyFlagBoolean: false };
	const synonyms = {};
	const fallbacks = settings.default || {};
	const result = { _: [] };

	if (typeof settings.unknown === 'function') { known.onUnknown = settings.unknown; }
	if (typeof settings.boolean === 'boolean' && settings.boolean) {
		known.everyFlagBoolean = true;
	} else {
		for (const name of [].concat(settings.boolean).filter(Boolean)) { known.booleans[name] = true; }
	}
	for (const name of Object.keys(settings.alias || {})) {
		synonyms[name] = [].concat(settings.alias[name]);
		for (const other of synonyms[name]) {
			synonyms[other] = [name, ...synonyms[name].filter((x) => x !== other)];
		}
	}
	for (const name of [].concat(settings.string).filter(Boolean)) {
		known.strings[name] = true;
		for (const other of [].concat(synonyms[name] || [])) { known.strings[other] = true; }
	}

	const synonymIsBoolean = (name) => synonyms[name].some((other) => known.booleans[other]);
	const takesNoValue = (name) => known.booleans[name]
		|| (synonyms[name] ? synonymIsBoolean(name) : false);
	const isDeclared = (name, word) => (known.everyFlagBoolean && (/^--[^=]+$/).test(word))
		|| known.strings[name] || known.booleans[name] || synonyms[name];
	const emptyValue = (name) => (known.strings[name] ? '' : true);

	function store(root, path, value) {
		let node = root;
		for (const part of path.slice(0, -1)) {
			if (isDangerousKey(node, part)) { return; }
			if (node[part] === undefined) { node[part] = {}; }
			node[part] = detach(node[part]);
			node = node[part];
		}
		const leaf = path[path.length - 1];
		if (isDangerousKey(node, leaf)) { return; }
		node = detach(node);
		const current = node[leaf];
		if (current === undefined || known.booleans[leaf] || typeof current === 'boolean') {
			node[leaf] = value;
		} else if (Array.isArray(current)) {
			current.push(value);
		} else {
			node[leaf] = [current, value];
		}
	}

	function assign(name, raw, word) {
		if (word && known.onUnknown && !isDeclared(name, word) && known.onUnknown(word) === false) {
			return;
		}
		const value = !known.strings[name] && looksNumeric(raw) ? Number(raw) : raw;
		for (const target of [name, ...(synonyms[name] || [])]) {
			store(result, target.split('.'), value);
		}
	}

	return { known, synonyms, fallbacks, result, store, assign, takesNoValue, emptyValue };
}

// "--name=value", "--no-name" or "--name [value]"; returns how many extra words were used.
function readLong(parser, word, following) {
	const { known, assign, takesNoValue, emptyValue } = parser;
	if ((/^--.+=/).test(word)) {
		// [\s\S] rather than "." so that a value may hold newlines.
		const [, name, raw] = word.match(/^--([^=]+)=([\s\S]*)$/);
		assign(name, known.booleans[name] ? raw !== 'false' : raw, word);
		return 0;
	}
	const negated = word.match(/^--no-(.+)/);
	if (negated) {
		assign(negated[1], false, word);
		return 0;
	}
	const name = word.match(/^--(.+)/)[1];
	if (following !== undefined && !LOOKS_LIKE_FLAG.test(following)
		&& !takesNoValue(name) && !known.everyFlagBoolean) {
		assign(name, following, word);
		return 1;
	}
	if (BOOLEAN_WORD.test(following)) {
		assign(name, following === 'true', word);
		return 1;
	}
	assign(name, emptyValue(name), word);
	return 0;
}

// "-abc", "-n5", "-x=1": every letter but the last is a switch, unless a value starts early.
function readShort(parser, word, following) {
	const { assign, takesNoValue, emptyValue } = parser;
	const letters = word.slice(1, -1).split('');
	for (let at = 0; at < letters.length; at++) {
		const letter = letters[at];
		const rest = word.slice(at + 2);
		if (rest === '-') {
			assign(letter, rest, word);
		} else if ((/[A-Za-z]/).test(letter) && rest[0] === '=') {
			assign(letter, rest.slice(1), word);
			return 0;
		} else if ((/[A-Za-z]/).test(letter) && (/-?\d+(\.\d*)?(e-?\d+)?$/).test(rest)) {
			assign(letter, rest, word);
			return 0;
		} else if (letters[at + 1] && (/\W/).test(letters[at + 1])) {
			assign(letter, rest, word);
			return 0;
		} else {
			assign(letter, emptyValue(letter), word);
		}
	}
	const last = word.slice(-1);
	if (last === '-') { return 0; }
	if (following && !LOOKS_LIKE_FLAG.test(following) && !takesNoValue(last)) {
		assign(last, following, word);
		return 1;
	}
	if (following && BOOLEAN_WORD.test(following)) {
		assign(last, following === 'true', word);
		return 1;
	}
	assign(last, emptyValue(last), word);
	return 0;
}

module.exports = function parseArgv(words, settings) {
	const parser = createParser(settings || {});
	const { known, synonyms, fallbacks, result, store, assign } = parser;
	const options = settings || {};

	for (const name of Object.keys(known.booleans)) {
		assign(name, fallbacks[name] === undefined ? false : fallbacks[name]);
	}

	const stop = words.indexOf('--');
	const afterStop = stop === -1 ? [] : words.slice(stop + 1);
	const flagWords = stop === -1 ? words : words.slice(0, stop);

	for (let at = 0; at < flagWords.length; at++) {
		const word = flagWords[at];
		if ((/^--.+/).test(word)) {
			at += readLong(parser, word, flagWords[at + 1]);
			continue;
		}
		if ((/^-[^-]+/).test(word)) {
			at += readShort(parser, word, flagWords[at + 1]);
			continue;
		}
		if (!known.onUnknown || known.onUnknown(word) !== false) {
			result._.push(known.strings._ || !looksNumeric(word) ? word : Number(word));
		}
		if (options.stopEarly) {
			result._.push(...flagWords.slice(at + 1));
			break;
		}
	}

	for (const name of Object.keys(fallbacks)) {
		if (pathExists(result, name.split('.'))) { continue; }
		for (const target of [name, ...(synonyms[name] || [])]) {
			store(result, target.split('.'), fallbacks[name]);
		}
	}

	if (options['--']) {
		result['--'] = afterStop.slice();
	} else {
		afterStop.forEach((word) => result._.push(word));
	}
	return result;
};
