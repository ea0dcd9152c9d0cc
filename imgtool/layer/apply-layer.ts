import { createHash } from 'node:crypto';
import { detectCompression, openDecompressed } from './decompressed-layer.ts';
import { LayerError, UnsafeEntryError } from './layer-errors.ts';
import { LayerApplier, type ApplyPolicy, type ApplyTarget } from './layer-applier.ts';
import { NeedsLowerLayers, type LowerDependencies } from './lower-dependencies.ts';
import { SyscallError } from './native-fs.ts';
import { TarFormatError, TarParser } from './tar-reader.ts';

export interface LayerBlob {
  /** The blob's digest, used in messages. */
  digest: string;
  path: string;
  /** The digest of the uncompressed tar, from the image config's rootfs.diff_ids. */
  diffID: string;
}

export interface ApplyLimits {
  /** Uncompressed bytes one layer may expand to; a decompression bomb stops here. */
  maxLayerBytes: number;
  /** Stops the layer between two chunks (Ctrl-C), through the same clean-up as any failure. */
  signal?: AbortSignal;
}

export class UnpackInterrupted extends Error {}

/**
 * Streams one layer blob into a directory: decompress, hash (the diffID), parse tar, apply each
 * entry. Memory stays at a few chunks whatever the layer's size. On any failure the error names
 * the layer and entry; the caller owns the target directory and removes it (nothing is rolled back
 * here because a half-applied layer directory is never reused). With `target.deferLowers`, returns
 * what the layer still has to take from the layers below (settleLowerDependencies).
 */
export async function applyLayer(blob: LayerBlob, target: ApplyTarget, policy: ApplyPolicy, limits: ApplyLimits): Promise<LowerDependencies> {
  const applier = new LayerApplier(target, policy);
  const parser = new TarParser(applier);
  const hash = createHash('sha256');
  let total = 0;
  const compression = await detectCompression(blob.path);
  const { stream, done } = openDecompressed(blob.path, compression);
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      if (limits.signal?.aborted) throw new UnpackInterrupted('interrupted; the partial bundle and layer were removed');
      total += chunk.length;
      if (total > limits.maxLayerBytes) {
        throw new LayerError(blob.digest, undefined, `expands beyond ${limits.maxLayerBytes} bytes uncompressed, refused as a decompression bomb`, 'raise --max-layer-size if the image is genuine');
      }
      hash.update(chunk);
      parser.push(chunk);
    }
    await done;
    parser.end();
    applier.finish();
  } catch (err) {
    stream.destroy();
    applier.abort();
    throw layerFailure(err, blob, applier.current);
  }
  const actual = `sha256:${hash.digest('hex')}`;
  if (blob.diffID !== actual) {
    throw new LayerError(blob.digest, undefined, `its uncompressed content has digest ${actual}, but the image config's diff_ids says ${blob.diffID}`, 'the blob is corrupt or belongs to another image: pull the image again');
  }
  return applier.lowerDependencies();
}

/** Any failure while applying a layer as the error the user sees: what, which layer, which entry, what to do. */
export function layerFailure(err: unknown, blob: Pick<LayerBlob, 'digest'>, entry: string | undefined): Error {
  if (err instanceof LayerError || err instanceof UnpackInterrupted || err instanceof NeedsLowerLayers) return err;
  if (err instanceof UnsafeEntryError) return new LayerError(blob.digest, entry, `refused: ${err.message}`, 'the layer tries to write outside its root; nothing was written outside');
  if (err instanceof TarFormatError) return new LayerError(blob.digest, undefined, err.message, 'the blob is not a valid layer: pull the image again');
  if (err instanceof SyscallError || (err instanceof Error && 'code' in err && 'syscall' in err)) return new LayerError(blob.digest, entry, err.message);
  if (err instanceof Error && /incorrect header check|unexpected end of file|invalid|zstd/i.test(err.message)) {
    return new LayerError(blob.digest, undefined, `cannot be decompressed: ${err.message}`, 'the blob is corrupt: pull the image again');
  }
  return err instanceof Error ? new LayerError(blob.digest, entry, err.message) : new Error(String(err));
}
