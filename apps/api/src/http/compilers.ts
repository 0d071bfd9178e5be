import {
  serializerCompiler as zodSerializerCompiler,
  validatorCompiler as zodValidatorCompiler,
} from 'fastify-type-provider-zod';
import { z } from 'zod';

/**
 * fastify-type-provider-zod's validator and serializer compilers with each schema compiled once by
 * `z.compile` (on first use: most routes' problem responses are never serialised through their schema).
 * The runtime parser walks the schema tree on every request, and encoding a response runs every checked
 * value through it twice. A value the compiled parser refuses goes to the library's own compiler, so
 * refusals (400 problems, response serialisation errors) are exactly what they were.
 */
export const validatorCompiler: typeof zodValidatorCompiler = (route) => {
  const runtime = zodValidatorCompiler(route);
  let compiled: z.core.$ZodType | undefined;
  return (data) => {
    compiled ??= compiledOf(route.schema);
    const parsed = z.safeParse(compiled, data);
    return parsed.success ? { value: parsed.data } : runtime(data);
  };
};

/**
 * Responses are encoded (zod's backward direction), which `z.compile` does not cover; for schemas made only
 * of the types below (no defaults, transforms, pipes or codecs) encoding and parsing give the same value,
 * so the compiled parse stands in for it. Any other schema keeps the library's serializer.
 */
export const serializerCompiler: typeof zodSerializerCompiler = (route) => {
  const runtime = zodSerializerCompiler(route);
  const { schema } = route;
  if (!(schema instanceof z.ZodType) || !sameBothWays(schema)) return runtime;
  let compiled: z.core.$ZodType | undefined;
  return (data) => {
    compiled ??= compiledOf(schema);
    const parsed = z.safeParse(compiled, data);
    return parsed.success ? JSON.stringify(parsed.data) : runtime(data);
  };
};

const DIRECTIONLESS = new Set(
  'object array record nullable optional string number boolean literal enum unknown never'.split(' '),
);

/** One compiled copy per schema, however many routes share it (the problem schema, a transition). */
const compiledSchemas = new WeakMap<z.core.$ZodType, z.core.$ZodType>();
function compiledOf(schema: z.core.$ZodType): z.core.$ZodType {
  let fast = compiledSchemas.get(schema);
  if (fast === undefined) {
    fast = z.compile(schema);
    compiledSchemas.set(schema, fast);
  }
  return fast;
}

function sameBothWays(schema: z.core.$ZodType): boolean {
  const def = schema._zod.def as z.core.$ZodTypeDef & {
    shape?: Record<string, z.core.$ZodType>;
    catchall?: z.core.$ZodType;
    element?: z.core.$ZodType;
    keyType?: z.core.$ZodType;
    valueType?: z.core.$ZodType;
    innerType?: z.core.$ZodType;
  };
  if (!DIRECTIONLESS.has(def.type)) return false;
  if (def.checks?.some((check) => check._zod.def.check === 'overwrite')) return false;
  const children = [
    ...Object.values(def.shape ?? {}),
    ...[def.catchall, def.element, def.keyType, def.valueType, def.innerType].filter((c) => c !== undefined),
  ];
  return children.every(sameBothWays);
}
