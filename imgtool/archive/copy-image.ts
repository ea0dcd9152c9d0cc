/**
 * copy SOURCE DESTINATION between the store, OCI layout directories, oci-archive and docker-archive tars
 * and registries. The source is first available as an OCI layout (the store and oci: directories are
 * one; archives are unpacked to a temp layout; a registry image is pulled, straight into the destination
 * when that is a layout), then written to the destination in its format.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { type ImageReference, formatReference } from '../reference/parse.ts';
import type { RegistryClient } from '../registry/client.ts';
import type { Platform } from '../store/layout.ts';
import { pullImage } from '../registry/pull-image.ts';
import { pushImage } from '../registry/push-image.ts';
import { type Descriptor, OciStore, REF_NAME_ANNOTATION } from '../store/layout.ts';
import { normalizeName, resolveImage } from '../store/resolve-name.ts';
import { copyBetweenLayouts } from './copy-between-layouts.ts';
import { exportDockerArchive, importDockerArchive } from './docker-archive.ts';
import type { Location } from './location.ts';
import { withOciArchive, writeOciArchive } from './oci-archive.ts';

export interface CopyContext {
  store: () => OciStore;
  client: (registry: string) => RegistryClient;
  platform?: Platform;
  allPlatforms?: boolean;
}

interface SourceImage {
  layout: OciStore;
  descriptor: Descriptor;
  name: string | undefined;
}

/** In a layout other tools wrote: the named entry, or the only one when no name is given. */
function pickInLayout(layout: OciStore, name: string | undefined, where: string): SourceImage {
  if (name) return { layout, ...resolveImage(layout, name) };
  const entries = layout.readIndex().manifests;
  if (entries.length !== 1) throw new Error(`${where} holds ${entries.length} images; name one (${where}:NAME)`);
  return { layout, descriptor: entries[0]!, name: entries[0]!.annotations?.[REF_NAME_ANNOTATION] };
}

async function withSource<T>(source: Location, destination: Location, context: CopyContext, use: (image: SourceImage) => Promise<T>): Promise<T> {
  switch (source.kind) {
    case 'store':
      return use({ layout: context.store(), ...resolveImage(context.store(), source.name) });
    case 'oci':
      return use(pickInLayout(OciStore.openExisting(resolve(source.path)), source.name, `oci:${source.path}`));
    case 'oci-archive':
      return withOciArchive(source.path, (layout) => use(pickInLayout(layout, source.name, `oci-archive:${source.path}`)));
    case 'docker-archive':
    case 'docker': {
      const dir = mkdtempSync(join(tmpdir(), 'tsimg-copy-'));
      try {
        const layout = OciStore.open(dir);
        if (source.kind === 'docker-archive') {
          // The first image of the archive, named as given or by its first RepoTags entry.
          const [first] = await importDockerArchive(source.path, layout, normalizeName, source.name);
          return await use({ layout, descriptor: first!.descriptor, name: first!.names[0] });
        }
        const { reference } = source as { reference: ImageReference };
        // Registry to registry, a Docker schema 2 image stays one (same digest), as skopeo copies it.
        const keepDockerTypes = destination.kind === 'docker';
        const pulled = await pullImage({ reference, store: layout, client: context.client(reference.domain), platform: context.platform, allPlatforms: context.allPlatforms, keepDockerTypes });
        return await use({ layout, descriptor: pulled.descriptor, name: pulled.name });
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    }
  }
}

export async function copyImage(source: Location, destination: Location, context: CopyContext): Promise<{ name: string | undefined; digest: string }> {
  // A registry image going into a layout is pulled there directly: no second copy.
  if (source.kind === 'docker' && (destination.kind === 'store' || destination.kind === 'oci')) {
    const layout = destination.kind === 'store' ? context.store() : OciStore.open(resolve(destination.path));
    const name = destination.kind === 'store' ? normalizeName(destination.name || formatReference(source.reference)) : (destination.name ?? formatReference(source.reference));
    const pulled = await pullImage({ reference: source.reference, store: layout, client: context.client(source.reference.domain), platform: context.platform, allPlatforms: context.allPlatforms });
    if (pulled.name !== name) {
      await layout.setRef(name, pulled.descriptor);
      await layout.removeRef(pulled.name);
    }
    return { name, digest: pulled.descriptor.digest };
  }
  return withSource(source, destination, context, async ({ layout, descriptor, name }) => {
    switch (destination.kind) {
      case 'store': {
        const target = normalizeName(destination.name || name || '');
        if (!target) throw new Error('the image has no name; give one: tsimg import SOURCE NAME');
        await copyBetweenLayouts(layout, descriptor, context.store(), target);
        return { name: target, digest: descriptor.digest };
      }
      case 'oci': {
        const target = destination.name ?? name;
        await copyBetweenLayouts(layout, descriptor, OciStore.open(resolve(destination.path)), target);
        return { name: target, digest: descriptor.digest };
      }
      case 'oci-archive': {
        const target = destination.name ?? name;
        await writeOciArchive(destination.path, (out) => copyBetweenLayouts(layout, descriptor, out, target));
        return { name: target, digest: descriptor.digest };
      }
      case 'docker-archive': {
        const target = destination.name ?? name;
        await exportDockerArchive(layout, descriptor, target ? [normalizeName(target)] : [], destination.path);
        return { name: target, digest: descriptor.digest };
      }
      case 'docker': {
        const pushed = await pushImage({ store: layout, descriptor, sourceName: name, destination: destination.reference, client: context.client(destination.reference.domain) });
        return { name: pushed.name, digest: pushed.digest };
      }
    }
  });
}
