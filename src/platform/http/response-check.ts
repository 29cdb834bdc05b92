import { Ajv, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import type { FastifyInstance } from 'fastify';

// ajv-formats ships CommonJS with a default export that TypeScript sees one level deep.
const addFormats = addFormatsModule as unknown as typeof addFormatsModule.default;

/**
 * With ACGS_CHECK_RESPONSES (the test suites turn it on), every 2xx payload is validated against the schema its route
 * declares for that status, if any, before it is serialised, and a mismatch fails the request: fast-json-stringify would
 * otherwise drop an undeclared field without a word, and /docs/json would describe something else than is sent.
 */
export function checkResponsesAgainstSchemas(app: FastifyInstance): void {
  const ajv = new Ajv({ strict: false, allErrors: true });
  addFormats(ajv);
  const compiled = new WeakMap<object, ValidateFunction>();
  app.addHook('preSerialization', async (request, reply, payload) => {
    if (reply.statusCode < 200 || reply.statusCode >= 300) return payload;
    const route = `${request.method} ${request.routeOptions.url ?? request.url}`;
    const responses = (request.routeOptions.schema?.response ?? {}) as Record<string, object>;
    const schema = responses[String(reply.statusCode)] ?? responses['2xx'];
    // Whether every route declares its 2xx schemas is the route-walk test's to check; here, what is declared holds.
    if (schema === undefined) return payload;
    let validate = compiled.get(schema);
    if (validate === undefined) {
      // Schemas the routes refer to by $id (User, ErrorBody, …), as the app knows them.
      for (const [id, shared] of Object.entries(request.server.getSchemas()))
        if (ajv.getSchema(id) === undefined) ajv.addSchema(shared as object, id);
      compiled.set(schema, (validate = ajv.compile(schema)));
    }
    if (!validate(JSON.parse(JSON.stringify(payload)))) {
      throw new Error(
        `${route} ${reply.statusCode} does not match its response schema: ${ajv.errorsText(validate.errors)} ${JSON.stringify(validate.errors?.map((e) => e.params))}`,
      );
    }
    return payload;
  });
}
