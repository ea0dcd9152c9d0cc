// The image-spec validators: what they admit, and that a refusal names the source and the JSON path.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SpecValidationError } from './errors.ts';
import { parseImageDocument, validateDockerManifest, validateDockerManifestList, validateImageConfig, validateImageIndex, validateImageManifest } from './validate-image.ts';

const digest = `sha256:${'a'.repeat(64)}`;
const config = { mediaType: 'application/vnd.oci.image.config.v1+json', digest, size: 2 };
const layer = { mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', digest, size: 10 };

const refused = (run: () => unknown, message: string) =>
  assert.throws(run, (e: unknown) => e instanceof SpecValidationError && e.message === message);

test('a minimal OCI manifest, index and config are admitted, with unknown fields (extensibility.md)', () => {
  validateImageManifest({ schemaVersion: 2, config, layers: [layer], 'x-extra': 1 }, 'm');
  validateImageIndex({ schemaVersion: 2, manifests: [] }, 'i');
  validateImageConfig({ architecture: 'amd64', os: 'linux', config: { Env: null, Cmd: null, Labels: null }, rootfs: { type: 'layers', diff_ids: [digest] } }, 'c');
  validateDockerManifest({ schemaVersion: 2, mediaType: 'application/vnd.docker.distribution.manifest.v2+json', config, layers: [layer] }, 'd');
});

test('descriptors: wrong types, missing fields and bad digests are named by path', () => {
  refused(() => validateImageManifest({ schemaVersion: 2, config, layers: [{ ...layer, size: '10' }] }, 'src'), 'src: layers[0].size: must be integer');
  refused(() => validateImageManifest({ schemaVersion: 2, config: { digest, size: 2 }, layers: [] }, 'src'), 'src: config.mediaType: is required');
  refused(() => validateImageManifest({ schemaVersion: 2, config, layers: [{ ...layer, size: -1 }] }, 'src'), 'src: layers[0].size: must be >= 0');
  refused(
    () => validateImageManifest({ schemaVersion: 2, config, layers: [{ ...layer, digest: 'sha256:abc' }] }, 'src'),
    'src: layers[0].digest: must be a digest (algorithm:hex; sha256 is 64 lowercase hex characters)',
  );
  refused(() => validateImageManifest({ schemaVersion: 2, config: { ...config, mediaType: 'nonsense' }, layers: [] }, 'src'), 'src: config.mediaType: must be a media type (type/subtype)');
  refused(() => validateImageIndex({ schemaVersion: 3, manifests: [] }, 'src'), 'src: schemaVersion: must be 2');
});

test('Docker shapes: mediaType is required, and every manifest-list entry has a platform', () => {
  refused(() => validateDockerManifest({ schemaVersion: 2, config, layers: [] }, 'd'), 'd: mediaType: is required');
  refused(
    () => validateDockerManifestList({ schemaVersion: 2, mediaType: 'application/vnd.docker.distribution.manifest.list.v2+json', manifests: [{ ...config, platform: { os: 'linux' } }] }, 'l'),
    'l: manifests[0].platform.architecture: is required',
  );
});

test('config: diff_ids must be digests; invalid JSON is reported at the root', () => {
  refused(() => validateImageConfig({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: ['x'] } }, 'c'), 'c: rootfs.diff_ids[0]: must be a digest (algorithm:hex; sha256 is 64 lowercase hex characters)');
  assert.throws(() => parseImageDocument('{"a":', validateImageConfig, 'file.json'), /^SpecValidationError: file\.json: \(root\): is not valid JSON/);
});
