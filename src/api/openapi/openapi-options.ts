import type { SwaggerOptions } from '@fastify/swagger';

/** The document at GET /openapi.json, generated from the route schemas. */
export const openApiOptions: SwaggerOptions = {
  openapi: {
    openapi: '3.1.0',
    info: {
      title: 'gpuroute',
      version: '0.1.0',
      description:
        'GPU-aware, OpenAI-compatible inference gateway. Each call may name its GPU (X-GPU-Preference header, gpu_preference body field); models can be warmed on a GPU; configurations can be validated before anyone pays. Every error has the shape {"detail", "error": {message, type, param, code}}. Reference: docs/api.md.',
    },
    components: {
      securitySchemes: {
        bearer: { type: 'http', scheme: 'bearer', description: 'One of auth.api_keys / GPUROUTE_API_KEYS, when any are configured.' },
        apiKey: { type: 'apiKey', in: 'header', name: 'X-API-Key' },
      },
    },
    security: [{ bearer: [] }, { apiKey: [] }],
  },
  // Fastify names a wildcard parameter "*"; the document calls it what it is.
  transformObject: (document) => {
    if (!('openapiObject' in document)) return document.swaggerObject;
    const { openapiObject } = document;
    const renamed = Object.entries(openapiObject.paths ?? {}).map(([path, item]) => [
      path.replace('{*}', '{model_id}'),
      JSON.parse(JSON.stringify(item).replaceAll('"name":"*"', '"name":"model_id"')) as unknown,
    ]);
    return { ...openapiObject, paths: Object.fromEntries(renamed) } as typeof openapiObject;
  },
};
