/**
 * The imagePullPolicy default, which hinges on the image reference's tag. kube-apiserver parses the
 * reference with the Docker distribution grammar and ignores parse errors (validation reports them
 * later), so an unparsable reference lands on IfNotPresent, as does a digest-only one.
 */

// The distribution/reference grammar, reduced to what decides the tag.
const ALNUM = '[a-z0-9]+';
const SEPARATOR = '(?:[._]|__|[-]+)';
const PATH_COMPONENT = `${ALNUM}(?:${SEPARATOR}${ALNUM})*`;
const DOMAIN_COMPONENT = '(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])';
const HOST = `(?:${DOMAIN_COMPONENT}(?:\\.${DOMAIN_COMPONENT})*|\\[[a-fA-F0-9:]+\\])`;
const DOMAIN = `${HOST}(?::[0-9]+)?`;
const NAME = `(?:${DOMAIN}/)?${PATH_COMPONENT}(?:/${PATH_COMPONENT})*`;
const TAG = '[\\w][\\w.-]{0,127}';
const DIGEST = '[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}';
const REFERENCE = new RegExp(`^(${NAME})(?::(${TAG}))?(?:@(${DIGEST}))?$`);

// A bare 64-hex string is refused as ambiguous with an image ID.
const IMAGE_ID = /^[a-f0-9]{64}$/;

// go-digest accepts only registered algorithms with lowercase hex of the exact length.
const DIGEST_HEX_LENGTH: Record<string, number> = { sha256: 64, sha384: 96, sha512: 128 };

function validDigest(digest: string): boolean {
  const [algorithm, hex] = digest.split(':') as [string, string];
  const want = DIGEST_HEX_LENGTH[algorithm];
  return want !== undefined && hex.length === want && /^[a-f0-9]+$/.test(hex);
}

/**
 * The tag kube-apiserver sees in an image reference: the explicit tag, "latest" when there is neither
 * tag nor digest, "" for a digest-only reference, undefined when the reference does not parse.
 */
export function imageTag(image: string): string | undefined {
  if (IMAGE_ID.test(image)) return undefined;
  const m = REFERENCE.exec(image);
  if (!m) return undefined;
  const [, , tag, digest] = m;
  if (digest !== undefined && !validDigest(digest)) return undefined;
  if (tag !== undefined) return tag;
  return digest !== undefined ? '' : 'latest';
}

/** SetDefaults_Container: Always for a `latest` (or missing) tag, IfNotPresent otherwise. */
export function defaultImagePullPolicy(image: string | undefined): 'Always' | 'IfNotPresent' {
  return imageTag(image ?? '') === 'latest' ? 'Always' : 'IfNotPresent';
}
