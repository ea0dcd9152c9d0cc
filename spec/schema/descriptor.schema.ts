// Content descriptor and platform (image-spec descriptor.md, image-index.md "platform").

import { ArrayOfStrings, annotations } from './defs.ts';
import { digest, mediaType, size } from './image-defs.ts';

/** What says which platform an image is for; the image config carries the same fields at its top level. */
export const platformFields = {
  architecture: { type: 'string' },
  os: { type: 'string' },
  'os.version': { type: 'string' },
  'os.features': ArrayOfStrings,
  variant: { type: 'string' },
} as const;

export const platformSchema = {
  type: 'object',
  properties: { ...platformFields, features: ArrayOfStrings },
  required: ['architecture', 'os'],
} as const;

/** mediaType, digest and size are REQUIRED; the rest optional. Unknown fields are allowed (extensibility.md). */
export const descriptorSchema = {
  type: 'object',
  properties: {
    mediaType,
    digest,
    size,
    urls: ArrayOfStrings,
    annotations,
    data: { type: 'string', contentEncoding: 'base64' },
    artifactType: mediaType,
    platform: platformSchema,
  },
  required: ['mediaType', 'digest', 'size'],
} as const;

export const descriptorListSchema = { type: 'array', items: descriptorSchema } as const;
