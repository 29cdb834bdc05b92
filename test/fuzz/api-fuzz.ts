import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { Ajv } from 'ajv';
import addFormatsModule from 'ajv-formats';
import fc from 'fast-check';
import type { FastifyInstance } from 'fastify';
import { ROLES } from '../../src/domain/auth/roles.js';
import { SERVICE_NAMES, type ServiceName } from '../../src/platform/config.js';
import { createTestApp, createTestPlatform, createUser, type Backend, type TestPlatform } from '../support/harness.js';
import { adversarial, ADVERSARIAL_UNITS } from '../support/adversarial-content.js';
import { dereference, hostileString, invalidValue, validValue, type JsonSchema } from '../support/schema-arbitrary.js';

/**
 * Schema-driven fuzzing of every route of every service, from the OpenAPI document each service publishes (as an
 * outside fuzzer would read it): valid and broken bodies, path and query values, with and without credentials.
 * Every answer must be below 500, every 4xx in the standard error shape, every 2xx valid against the response
 * schema the route declares. Seeded, so a failure reproduces; bounded, so it runs in CI in well under a minute.
 */
const SEED = Number(process.env['FUZZ_SEED'] ?? 20261201);
const RUNS_PER_ROUTE = Number(process.env['FUZZ_RUNS'] ?? 50);
const ERROR_KEYS = ['detail', 'error_code', 'request_id', 'timestamp'];
const OPENAI_ERROR_KEYS = ['code', 'error_code', 'message', 'param', 'request_id', 'type'];

// ajv-formats ships CommonJS with a default export that TypeScript sees one level deep.
const addFormats = addFormatsModule as unknown as typeof addFormatsModule.default;

interface Parameter {
  in: 'path' | 'query' | 'header';
  name: string;
  required?: boolean;
  schema: JsonSchema;
}

interface Operation {
  parameters?: Parameter[];
  requestBody?: { content: Record<string, { schema: JsonSchema }> };
  responses?: Record<string, { content?: Record<string, { schema: JsonSchema }> }>;
}

interface Route {
  service: ServiceName;
  method: string;
  path: string;
  operation: Operation;
}

type Credential = 'all_roles' | 'none' | 'garbage';

/**
 * What JSON.stringify of a generated value cannot say, done to the body's text: a number that parses as Infinity,
 * nesting 5,000 deep, or every string replaced by long content built to make a backtracking pattern slow.
 */
type Mutation = 'none' | 'non_finite' | 'deep' | 'adversarial';

interface FuzzCase {
  credential: Credential;
  path: Record<string, unknown>;
  query: Record<string, unknown>;
  body: unknown;
  hasBody: boolean;
  mutation: Mutation;
  adversarialUnit: string;
}

/** The body's text with its mutation applied. */
function bodyText(fuzz: FuzzCase): string {
  const text = JSON.stringify(fuzz.body) ?? 'null';
  const isObject = typeof fuzz.body === 'object' && fuzz.body !== null && !Array.isArray(fuzz.body);
  switch (fuzz.mutation) {
    case 'non_finite':
      return isObject ? text.replace(/^\{/, text === '{}' ? '{"n":1e400' : '{"n":-1e400,') : '1e400';
    case 'deep':
      return isObject
        ? text.replace(/^\{/, `{"d":${'['.repeat(5000)}${']'.repeat(5000)}${text === '{}' ? '' : ','}`)
        : `${'['.repeat(5000)}${text}${']'.repeat(5000)}`;
    case 'adversarial':
      return JSON.stringify(fuzz.body, (_key, value: unknown) =>
        typeof value === 'string' ? adversarial(fuzz.adversarialUnit, 64 * 1024) : value,
      );
    default:
      return text;
  }
}

/** Percent-encoding that survives lone surrogates (their UTF-8 bytes, as a client that sends them would). */
function encode(value: unknown): string {
  const text = typeof value === 'string' ? value : (JSON.stringify(value) ?? 'null');
  try {
    return encodeURIComponent(text);
  } catch {
    return '%ED%A0%80';
  }
}

function caseArbitrary(route: Route): fc.Arbitrary<FuzzCase> {
  const parameters = route.operation.parameters ?? [];
  const pathParameters = parameters.filter((parameter) => parameter.in === 'path');
  const queryParameters = parameters.filter((parameter) => parameter.in === 'query');
  const bodySchema = route.operation.requestBody?.content['application/json']?.schema;
  const broken = fc.boolean();
  const params = (list: Parameter[], mustHave: boolean) =>
    fc
      .tuple(...list.map((parameter) => fc.tuple(fc.constant(parameter), broken, fc.boolean())))
      .chain((picks) =>
        fc
          .tuple(
            ...picks.map(([parameter, isBroken, present]) =>
              (isBroken ? fc.oneof(invalidValue(parameter.schema), hostileString) : validValue(parameter.schema)).map(
                (value) =>
                  [parameter.name, present || mustHave || parameter.required === true ? value : undefined] as const,
              ),
            ),
          )
          .map((entries) => Object.fromEntries(entries.filter(([, value]) => value !== undefined))),
      );
  return fc.record({
    credential: fc.constantFrom<Credential>('all_roles', 'all_roles', 'all_roles', 'none', 'garbage'),
    path: pathParameters.length === 0 ? fc.constant({}) : params(pathParameters, true),
    query: queryParameters.length === 0 ? fc.constant({}) : params(queryParameters, false),
    body:
      bodySchema === undefined
        ? fc.constant(undefined)
        : fc.oneof(validValue(bodySchema), validValue(bodySchema), invalidValue(bodySchema)),
    hasBody: fc.constant(bodySchema !== undefined),
    mutation:
      bodySchema === undefined
        ? fc.constant<Mutation>('none')
        : fc.oneof(
            { weight: 36, arbitrary: fc.constant<Mutation>('none') },
            { weight: 2, arbitrary: fc.constant<Mutation>('non_finite') },
            { weight: 1, arbitrary: fc.constant<Mutation>('deep') },
            { weight: 1, arbitrary: fc.constant<Mutation>('adversarial') },
          ),
    adversarialUnit: fc.constantFrom(...Object.values(ADVERSARIAL_UNITS)),
  });
}

/**
 * The fuzz suite on one backend. Each backend has a test file of its own (api-fuzz-*.test.ts): 6,300 requests take
 * about a minute each, and two in one file came near the per-file time bound on a loaded CI machine.
 */
export function fuzzEveryRoute(backend: Backend): void {
  describe(`schema-driven fuzzing of every route of every service on ${backend}`, () => {
    let env: TestPlatform;
    const apps = new Map<ServiceName, FastifyInstance>();
    const routes: Route[] = [];
    const validators = new Map<string, (body: unknown) => boolean>();
    let userId: string;
    const ajv = new Ajv({ strict: false, allErrors: false });
    addFormats(ajv);

    before(async () => {
      env = await createTestPlatform(backend);
      for (const service of SERVICE_NAMES) {
        const app = await createTestApp(service, env.platform);
        apps.set(service, app);
        const document = (await app.inject({ method: 'GET', url: '/docs/json' })).json<{
          paths: Record<string, Record<string, Operation>>;
          components?: { schemas?: Record<string, unknown> };
        }>();
        const components = document.components?.schemas ?? {};
        for (const [path, methods] of Object.entries(document.paths)) {
          for (const [method, operation] of Object.entries(methods)) {
            if (!['get', 'post', 'put', 'patch', 'delete'].includes(method)) continue;
            routes.push({
              service,
              method: method.toUpperCase(),
              path,
              operation: dereference(operation, components) as unknown as Operation,
            });
          }
        }
      }
      userId = (await createUser(env.platform, [...ROLES])).id;
    });
    after(async () => {
      for (const app of apps.values()) await app.close();
      await env.cleanup();
    });

    it('answers every generated request below 500, in the standard error shape for 4xx, and as declared for 2xx', async () => {
      const problems: string[] = [];
      const statuses = new Map<number, number>();
      const mutations = new Map<Mutation, number>();
      let requests = 0;
      for (const [index, route] of routes.entries()) {
        const cases = fc.sample(caseArbitrary(route), { seed: SEED + index, numRuns: RUNS_PER_ROUTE });
        for (const fuzz of cases) {
          const url =
            route.path.replace(/\{(\w+)\}/g, (_match, name: string) => encode(fuzz.path[name] ?? 'x')) +
            (Object.keys(fuzz.query).length === 0
              ? ''
              : `?${Object.entries(fuzz.query)
                  .map(([key, value]) => `${key}=${encode(value)}`)
                  .join('&')}`);
          const headers: Record<string, string> = {};
          // A fresh session per request: a generated logout or role change ends only its own.
          if (fuzz.credential === 'all_roles')
            headers['authorization'] =
              `Bearer ${await env.platform.tokens.issueAccessToken(userId, [...ROLES], randomUUID())}`;
          if (fuzz.credential === 'garbage') headers['authorization'] = 'Bearer not.a.token';
          const response = await apps.get(route.service)!.inject({
            method: route.method as 'GET',
            url,
            headers: fuzz.hasBody ? { ...headers, 'content-type': 'application/json' } : headers,
            ...(fuzz.hasBody ? { payload: bodyText(fuzz) } : {}),
          });
          requests += 1;
          statuses.set(response.statusCode, (statuses.get(response.statusCode) ?? 0) + 1);
          const where = `${route.service} ${route.method} ${url.slice(0, 200)} body(${fuzz.mutation})=${(JSON.stringify(fuzz.body) ?? '').slice(0, 200)} → ${response.statusCode}`;
          mutations.set(fuzz.mutation, (mutations.get(fuzz.mutation) ?? 0) + 1);
          if ((fuzz.mutation === 'non_finite' || fuzz.mutation === 'deep') && response.statusCode < 400)
            problems.push(`${where}: a body with ${fuzz.mutation} content was accepted`);
          if (response.statusCode >= 500) {
            problems.push(`${where}: ${response.body.slice(0, 300)}`);
          } else if (response.statusCode >= 400) {
            let body: unknown;
            try {
              body = response.json();
            } catch {
              body = null;
            }
            // A route speaking OpenAI's wire protocol declares its errors in that shape, with ours inside.
            const openAi = route.path.startsWith('/v1/');
            const shaped = openAi ? (body as { error?: unknown } | null)?.error : body;
            const keys =
              typeof shaped === 'object' && shaped !== null
                ? Object.keys(shaped)
                    .filter((key) => !openAi || key !== 'decision_ids')
                    .sort()
                : [];
            const expected = openAi ? OPENAI_ERROR_KEYS : ERROR_KEYS;
            if (
              JSON.stringify(keys) !== JSON.stringify(expected) ||
              (openAi && Object.keys(body as object).length !== 1)
            )
              problems.push(`${where}: not the declared error shape: ${response.body.slice(0, 300)}`);
          } else if (response.statusCode >= 200 && response.statusCode < 300 && response.statusCode !== 204) {
            const schema =
              route.operation.responses?.[String(response.statusCode)]?.content?.['application/json']?.schema;
            // An empty path segment names another route (/auth/users/ is the list), whose schema this is not.
            const sameRoute = Object.values(fuzz.path).every((value) => value !== '');
            if (schema !== undefined && sameRoute && String(response.headers['content-type'] ?? '').includes('json')) {
              const key = `${route.service} ${route.method} ${route.path} ${response.statusCode}`;
              if (!validators.has(key)) validators.set(key, ajv.compile(schema as object));
              const validate = validators.get(key)!;
              if (!validate(response.json()))
                problems.push(
                  `${where}: body does not match the declared response schema: ${ajv.errorsText((validate as unknown as { errors: never }).errors)}`,
                );
            }
          }
        }
      }
      console.error(
        `fuzz on ${backend}: ${routes.length} operations, ${requests} requests, seed ${SEED}; statuses ${JSON.stringify(Object.fromEntries([...statuses].sort(([a], [b]) => a - b)))}; bodies ${JSON.stringify(Object.fromEntries(mutations))}`,
      );
      // Every route a service registers (its access table) was fuzzed, so none can hide from the document.
      const fuzzed = new Set(
        routes.map((route) => `${route.service} ${route.method} ${route.path.replace(/\{(\w+)\}/g, ':$1')}`),
      );
      const registered = [...apps].flatMap(([service, app]) =>
        app.accessTable
          .filter((row) => !row.url.startsWith('/docs'))
          .map((row) => `${service} ${row.method} ${row.url}`),
      );
      assert.deepEqual(
        registered.filter((route) => !fuzzed.has(route)),
        [],
        'routes registered but not fuzzed',
      );
      assert.deepEqual(problems, []);
    });
  });
}
