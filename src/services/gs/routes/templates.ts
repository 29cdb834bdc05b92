import { Type } from '@sinclair/typebox';
import { ValidationError } from '../../../domain/errors.js';
import { GOVERNANCE_SCHEMA } from '../../../domain/policy/governance-schema.js';
import { schemaShape } from '../../../domain/policy/schema-shape.js';
import { linkTemplate, templateProblems, type TemplateParameters } from '../../../domain/policy/templates.js';
import { keysetPage } from '../../../domain/pagination.js';
import { principalOf } from '../../../platform/http/access.js';
import { errorResponses } from '../../../platform/http/schemas.js';
import type { ServiceApp } from '../../../platform/http/server.js';
import { PolicyVersionView } from '../../integrity/schemas.js';
import type { GsContext } from '../context.js';
import {
  InstantiateBody,
  TemplateBody,
  TemplateIdParam,
  TemplateList,
  TemplateListQuery,
  TemplateUpdateBody,
  TemplateView,
} from '../schemas.js';
import { AUDIENCES } from '../../../domain/auth/roles.js';

const base = '/api/v1/policy-management/templates';

const refuse = (
  problems: readonly { path: string; message: string }[],
  code: 'INVALID_TEMPLATE' | 'INVALID_TEMPLATE_LINK',
) => {
  if (problems.length > 0) throw new ValidationError(problems.map((p) => `${p.path}: ${p.message}`).join('; '), code);
};

/**
 * The template library: Cedar templates with typed parameters (the entity types each slot takes), validated
 * strictly on the way in; a link fills the slots and becomes a policy draft, validated by Cedar as the link it is,
 * then verified by the policy store like any other, recorded with the template and values it came from.
 */
export function registerTemplateRoutes(app: ServiceApp, { templates: store, submission }: GsContext): void {
  const shape = schemaShape(GOVERNANCE_SCHEMA);
  const check = (source: string, parameters: TemplateParameters) =>
    refuse(templateProblems(source, parameters, GOVERNANCE_SCHEMA, shape), 'INVALID_TEMPLATE');

  app.get(
    base,
    {
      config: { access: AUDIENCES.people },
      schema: {
        tags: ['templates'],
        summary: 'Policy templates, by id',
        querystring: TemplateListQuery,
        response: { 200: TemplateList, ...errorResponses(400, 401, 403) },
      },
    },
    async (request) =>
      keysetPage(
        request.query.limit ?? 50,
        (rows) => store.list(rows, request.query.cursor ?? null),
        (last) => last.id,
      ),
  );

  app.post(
    base,
    {
      config: { access: AUDIENCES.policyEditors },
      schema: {
        tags: ['templates'],
        summary: 'Add a Cedar template with typed parameters; it must validate strictly against the governance schema',
        body: TemplateBody,
        response: { 201: TemplateView, ...errorResponses(400, 401, 403, 409) },
      },
    },
    async (request, reply) => {
      const body = request.body;
      check(body.source, body.parameters);
      const created = await store.create(
        {
          id: body.id,
          name: body.name,
          description: body.description ?? '',
          source: body.source,
          parameters: body.parameters,
        },
        principalOf(request).userId,
      );
      return reply.status(201).send(created);
    },
  );

  app.get(
    `${base}/:id`,
    {
      config: { access: AUDIENCES.people },
      schema: {
        tags: ['templates'],
        summary: 'One template with the policies linked from it',
        params: TemplateIdParam,
        response: { 200: TemplateView, ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (request) => store.get(request.params.id),
  );

  app.put(
    `${base}/:id`,
    {
      config: { access: AUDIENCES.policyEditors },
      schema: {
        tags: ['templates'],
        summary: 'Replace a template (version + 1); policies already linked keep the text they were linked with',
        params: TemplateIdParam,
        body: TemplateUpdateBody,
        response: { 200: TemplateView, ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (request) => {
      const body = request.body;
      check(body.source, body.parameters);
      return store.update(
        request.params.id,
        { name: body.name, description: body.description ?? '', source: body.source, parameters: body.parameters },
        principalOf(request).userId,
      );
    },
  );

  app.delete(
    `${base}/:id`,
    {
      config: { access: AUDIENCES.policyEditors },
      schema: {
        tags: ['templates'],
        summary: 'Delete a template no live policy was linked from (409 TEMPLATE_IN_USE otherwise)',
        params: TemplateIdParam,
        response: { 204: Type.Null(), ...errorResponses(400, 401, 403, 404, 409) },
      },
    },
    async (request, reply) => {
      await store.remove(request.params.id, principalOf(request).userId);
      return reply.status(204).send(null);
    },
  );

  app.post(
    `${base}/:id/instantiate`,
    {
      config: { access: AUDIENCES.policyEditors },
      schema: {
        tags: ['templates'],
        summary:
          'Link the template into a new policy: slots filled with entities of the declared types, validated as a link, submitted as a draft and verified; a second person approves it',
        params: TemplateIdParam,
        body: InstantiateBody,
        response: { 201: PolicyVersionView, ...errorResponses(400, 401, 403, 404, 409) },
      },
    },
    async (request, reply) => {
      const template = await store.get(request.params.id);
      const { policy_id: policyId, principal, resource, name, description } = request.body;
      const values = {
        ...(principal === undefined ? {} : { principal }),
        ...(resource === undefined ? {} : { resource }),
      };
      const linked = linkTemplate(
        template.source,
        template.parameters,
        template.id,
        policyId,
        values,
        GOVERNANCE_SCHEMA,
      );
      if ('problems' in linked) refuse(linked.problems, 'INVALID_TEMPLATE_LINK');
      const actorId = principalOf(request).userId;
      const verified = await submission.submitForApproval(
        {
          source: (linked as { text: string }).text,
          name: name ?? policyId,
          description: description ?? `Linked from template ${template.id} v${template.version}`,
        },
        actorId,
        'new',
        (draft) =>
          store.recordLink(
            { policyId: draft.policy_id, templateId: template.id, templateVersion: template.version, values },
            actorId,
          ),
      );
      return reply.status(201).send(verified);
    },
  );
}
