// Shared definitions of the OCI image-spec (descriptor.md, the "defs" of its schemas), written by us as
// `as const` objects for json-schema-to-ts and Ajv. Composed inline like the runtime-spec ones (defs.ts).

/**
 * A digest, `algorithm:encoded` (descriptor.md "Digests"). The general grammar, narrowed for the two
 * registered algorithms: sha256 is 64 and sha512 128 lowercase hex characters (a MUST of the spec), so a
 * digest that would later fail as a path or a hash is refused where the document is read.
 */
export const DIGEST_PATTERN =
  '^(sha256:[a-f0-9]{64}|sha512:[a-f0-9]{128}|(?!sha256:|sha512:)[a-z0-9]+(?:[+._-][a-z0-9]+)*:[a-zA-Z0-9=_-]+)$';
export const digest = { type: 'string', pattern: DIGEST_PATTERN } as const;

/** RFC 6838 type/subtype, as descriptor.md requires of mediaType. */
export const MEDIA_TYPE_PATTERN =
  '^[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,126}/[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,126}$';
export const mediaType = { type: 'string', pattern: MEDIA_TYPE_PATTERN } as const;

/** int64 in the spec; JSON numbers beyond 2^53 cannot be sizes of anything a client will handle. */
export const size = { type: 'integer', minimum: 0, maximum: Number.MAX_SAFE_INTEGER } as const;

/** Words for the patterns above, used in error messages instead of the regular expression itself. */
export const PATTERN_WORDS: Readonly<Record<string, string>> = {
  [DIGEST_PATTERN]: 'a digest (algorithm:hex; sha256 is 64 lowercase hex characters)',
  [MEDIA_TYPE_PATTERN]: 'a media type (type/subtype)',
};
