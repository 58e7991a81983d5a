/**
 * Value codecs: how cache values become the single line after `=`, and back.
 * {@link perlCodec} (the default) is byte-compatible with the Perl
 * Net::Clacks::ClacksCache; {@link jsonCodec} and {@link rawCodec} are
 * alternatives; any object implementing {@link ValueCodec} can be plugged in.
 * @module
 */
export * from './value-codec.js';
export * from './perl-codec.js';
export * from './perl-yaml.js';
export * from './json-codec.js';
export * from './raw-codec.js';
