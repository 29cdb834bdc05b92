import { ConflictError } from '../../../domain/errors.js';
import { keysetPage } from '../../../domain/pagination.js';
import { principalOf } from '../../../platform/http/access.js';
import { errorResponses } from '../../../platform/http/schemas.js';
import type { ServiceApp } from '../../../platform/http/server.js';
import { rejection } from '../change-sets.js';
import type { IntegrityContext } from '../context.js';
import { readGovernanceState } from '../governance-state.js';
import {
  ActivateQuery,
  ActivatedChangeSetView,
  ChangeSetBody,
  ChangeSetIdParam,
  ChangeSetList,
  ChangeSetListQuery,
  ChangeSetView,
  GovernanceStateView,
  WithdrawBody,
} from '../schemas.js';
import { AUDIENCES } from '../../../domain/auth/roles.js';

/**
 * Change sets: several policy changes proposed, verified as one bundle against the constitution in force, approved in
 * one two-person step and activated as one signed bundle. Also where enacted and enforced are compared.
 */
export function registerChangeSetRoutes(
  app: ServiceApp,
  { platform, changeSets: sets, acknowledgements, constitutions }: IntegrityContext,
): void {
  app.get(
    '/api/v1/change-sets/state',
    {
      config: { access: AUDIENCES.people },
      schema: {
        tags: ['change-sets'],
        summary:
          'Enacted vs enforced: whether the bundle in force implements the constitution in force, and if not what stands between them and since when',
        response: { 200: GovernanceStateView, ...errorResponses(401, 403) },
      },
    },
    async () => readGovernanceState(platform.db, constitutions),
  );

  app.get(
    '/api/v1/change-sets',
    {
      config: { access: AUDIENCES.people },
      schema: {
        tags: ['change-sets'],
        summary: 'Change sets, newest first',
        querystring: ChangeSetListQuery,
        response: { 200: ChangeSetList, ...errorResponses(400, 401, 403) },
      },
    },
    async (request) => {
      const { status, limit = 50, cursor } = request.query;
      return keysetPage(
        limit,
        (rows) => sets.list({ status, limit: rows, beforeId: cursor === undefined ? undefined : Number(cursor) }),
        (last) => String(last.id),
      );
    },
  );

  app.post(
    '/api/v1/change-sets',
    {
      config: { access: AUDIENCES.policyEditors },
      schema: {
        tags: ['change-sets'],
        summary:
          'Propose and verify a change set: pending policy versions to put into force and ids to take out, proved as one bundle against the constitution in force (409 VERIFICATION_FAILED, the set kept as rejected, when it does not hold)',
        body: ChangeSetBody,
        response: { 201: ChangeSetView, ...errorResponses(400, 401, 403, 409) },
      },
    },
    async (request, reply) => {
      const actorId = principalOf(request).userId;
      const proposed = await sets.propose(
        { put: request.body.put, remove: request.body.remove ?? [], description: request.body.description },
        'manual',
        actorId,
      );
      const { set, report } = await sets.verify(proposed.id, actorId);
      if (set.status === 'rejected')
        throw new ConflictError(`Verification failed: ${rejection(set, report)}`, 'VERIFICATION_FAILED');
      return reply.status(201).send(set);
    },
  );

  app.get(
    '/api/v1/change-sets/:id',
    {
      config: { access: AUDIENCES.people },
      schema: {
        tags: ['change-sets'],
        summary: 'One change set with its verification report',
        params: ChangeSetIdParam,
        response: { 200: ChangeSetView, ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (request) => sets.get(request.params.id),
  );

  app.post(
    '/api/v1/change-sets/:id/approve',
    {
      config: { access: AUDIENCES.policyEditors },
      schema: {
        tags: ['change-sets'],
        summary:
          'Approve a verified change set; never by its author or the author of a version in it (403 TWO_PERSON_RULE)',
        params: ChangeSetIdParam,
        response: { 200: ChangeSetView, ...errorResponses(400, 401, 403, 404, 409) },
      },
    },
    async (request) => sets.approve(request.params.id, principalOf(request).userId),
  );

  app.post(
    '/api/v1/change-sets/:id/activate',
    {
      config: { access: AUDIENCES.policyEditors },
      schema: {
        tags: ['change-sets'],
        summary:
          'Activate an approved change set as the next signed bundle; with ?wait=N, answers once every enforcement instance decides with it (or N seconds pass)',
        params: ChangeSetIdParam,
        querystring: ActivateQuery,
        response: { 200: ActivatedChangeSetView, ...errorResponses(400, 401, 403, 404, 409) },
      },
    },
    async (request) => {
      const set = await sets.activate(request.params.id, principalOf(request).userId);
      const enforcement = await acknowledgements.waitFor(set.bundle_version!, (request.query.wait ?? 0) * 1000);
      return { ...set, enforcement };
    },
  );

  app.post(
    '/api/v1/change-sets/:id/withdraw',
    {
      config: { access: AUDIENCES.policyEditors },
      schema: {
        tags: ['change-sets'],
        summary: 'Withdraw a change set that is not in force; its policy versions stay as they are',
        params: ChangeSetIdParam,
        body: WithdrawBody,
        response: { 200: ChangeSetView, ...errorResponses(400, 401, 403, 404, 409) },
      },
    },
    async (request) => sets.withdraw(request.params.id, principalOf(request).userId, request.body.reason),
  );
}
