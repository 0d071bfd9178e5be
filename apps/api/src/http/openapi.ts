import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';
import { jsonSchemaTransform, jsonSchemaTransformObject } from 'fastify-type-provider-zod';
import type { Config } from '../config.js';

/** The OpenAPI 3.1 document (`/openapi.json`, built from the routes' zod schemas) and its UI at `/docs`. */
export async function registerOpenApi(app: FastifyInstance, config: Config): Promise<void> {
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'billkit API',
        version: '0.0.0',
        description:
          'The billkit demo billing API. JSON fields are snake_case; money is integer minor units with a currency. ' +
          'Errors are RFC 9457 problem+json with a stable `code`. Every POST accepts `Idempotency-Key`.',
        license: { name: 'MIT', identifier: 'MIT' },
      },
      // Relative: resolved against the URL this document is fetched from (any deployment, any port).
      servers: [{ url: '/', description: 'The server this document is served from' }],
      components: {
        securitySchemes: {
          bearerAuth: { type: 'http', scheme: 'bearer', description: 'A tenant API key' },
          ...(config.METRICS_TOKEN !== undefined
            ? {
                metricsToken: {
                  type: 'http',
                  scheme: 'bearer',
                  description: 'The operator-set METRICS_TOKEN (not a tenant key)',
                },
              }
            : {}),
        },
      },
    },
    transform: jsonSchemaTransform,
    transformObject: (document) => withoutUnusedSchemas(jsonSchemaTransformObject(document)),
  });
  await app.register(swaggerUi, { routePrefix: '/docs', staticCSP: true });
}

const SCHEMA_REF = '#/components/schemas/';

/**
 * The document without the component schemas nothing refers to: zod's registry emits an input and an
 * output variant of every named schema, and unused components make client generators emit dead types.
 */
function withoutUnusedSchemas<T extends object>(document: T): T {
  const { components } = document as { components?: { schemas?: Record<string, unknown> } };
  const schemas = components?.schemas;
  if (!schemas) return document;
  const used = new Set<string>();
  const visit = (node: unknown): void => {
    if (Array.isArray(node)) for (const item of node) visit(item);
    else if (node !== null && typeof node === 'object') {
      for (const [key, value] of Object.entries(node)) {
        if (key !== '$ref' || typeof value !== 'string') visit(value);
        else if (value.startsWith(SCHEMA_REF)) {
          const name = value.slice(SCHEMA_REF.length);
          if (!used.has(name)) {
            used.add(name);
            visit(schemas[name]);
          }
        }
      }
    }
  };
  visit({ ...document, components: { ...components, schemas: {} } });
  return {
    ...document,
    components: {
      ...components,
      schemas: Object.fromEntries(Object.entries(schemas).filter(([name]) => used.has(name))),
    },
  };
}
