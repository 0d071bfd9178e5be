import { WorkflowError } from '@billkit/workflows';
import type { FastifyError } from 'fastify';
import { hasZodFastifySchemaValidationErrors, isResponseSerializationError } from 'fastify-type-provider-zod';
import { snakePath } from './casing.js';
import { API_CODE_OF_WORKFLOW, ApiError, isBillkitError, type ProblemField } from './problem.js';

const VALIDATION_LOCATION: Record<string, ProblemField['location']> = {
  body: 'body',
  querystring: 'query',
  params: 'params',
  headers: 'headers',
};

/** Turns anything thrown into a billkit code, a safe message and the offending fields. */
export function describeError(error: FastifyError | Error): {
  code: string;
  detail: string;
  fields?: ProblemField[];
} {
  if (hasZodFastifySchemaValidationErrors(error)) {
    const location =
      VALIDATION_LOCATION[(error as { validationContext?: string }).validationContext ?? 'body'] ?? 'body';
    const fields = error.validation.map((issue) => {
      const params = issue.params as { issue?: { code?: string; keys?: string[] } } | undefined;
      const keys = params?.issue?.code === 'unrecognized_keys' ? params.issue.keys : undefined;
      const path = issue.instancePath.replace(/^\//, '').replaceAll('/', '.');
      return {
        location,
        path: keys ? [path, keys.join(',')].filter(Boolean).join('.') : path,
        message: issue.message ?? 'invalid',
      };
    });
    return { code: 'API_VALIDATION_FAILED', detail: `The request ${location} is invalid`, fields };
  }
  if (error instanceof WorkflowError) {
    // The workflows' codes are the API's own under another prefix (WORKFLOW_NOT_FOUND → API_NOT_FOUND).
    return {
      code: API_CODE_OF_WORKFLOW[error.code],
      detail: error.message,
      ...(error.details.fields
        ? {
            fields: error.details.fields.map((f) => ({
              location: 'body' as const,
              path: snakePath(f.path.split('.')),
              message: f.message,
            })),
          }
        : {}),
    };
  }
  if (error instanceof ApiError) {
    return {
      code: error.code,
      detail: error.message,
      ...(error.details.fields ? { fields: [...error.details.fields] } : {}),
    };
  }
  if (isResponseSerializationError(error)) {
    return { code: 'API_INTERNAL', detail: 'The server produced an invalid response' };
  }
  if (isBillkitError(error)) {
    const details = (error as { details?: { fields?: ProblemField[]; issues?: unknown } }).details;
    // Engines report zod issues in camelCase paths; clients sent snake_case.
    const fields =
      details?.fields ??
      (Array.isArray(details?.issues)
        ? (details.issues as { path?: PropertyKey[]; message?: string }[]).map((issue) => ({
            location: 'body' as const,
            path: snakePath(issue.path ?? []),
            message: issue.message ?? 'invalid',
          }))
        : undefined);
    return { code: error.code, detail: error.message, ...(fields ? { fields } : {}) };
  }
  const fastifyCode = (error as FastifyError).code;
  switch (fastifyCode) {
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return { code: 'API_MALFORMED_JSON', detail: 'The request body is not valid JSON' };
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return { code: 'API_BODY_TOO_LARGE', detail: 'The request body is larger than the limit' };
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return { code: 'API_UNSUPPORTED_MEDIA_TYPE', detail: 'Send JSON with Content-Type: application/json' };
  }
  if (error instanceof SyntaxError && (error as FastifyError).statusCode === 400) {
    return { code: 'API_MALFORMED_JSON', detail: 'The request body is not valid JSON' };
  }
  return {
    code: 'API_INTERNAL',
    detail: 'An unexpected error occurred; quote the request_id when reporting it',
  };
}
