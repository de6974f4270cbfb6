/** auth/token/* endpoints. */
import type { VaultCore } from './core.js';
import { badRequest, notFound, str, type ApiRequest, type Reply } from './http.js';
import { DurationError, fieldError, optionalDuration } from './duration.js';
import type { TokenEntry } from './tokens.js';

function increment(body: Record<string, unknown>): number {
  try {
    return optionalDuration(body['increment']) ?? 0;
  } catch (e) {
    throw badRequest(e instanceof DurationError ? fieldError('increment', body['increment'], e) : String(e));
  }
}

function target(core: VaultCore, req: ApiRequest): TokenEntry {
  const id = str(req.body, 'token');
  if (!id) throw badRequest('missing token');
  const t = core.tokens.get(id);
  if (!t) throw badRequest('bad token');
  return t;
}

export function handleToken(core: VaultCore, req: ApiRequest, sub: string, self: TokenEntry): Reply {
  const store = core.tokens;
  const write = req.method === 'POST' || req.method === 'PUT';
  switch (sub) {
    case 'create':
    case 'create-orphan':
      if (!write) break;
      return { kind: 'envelope', auth: store.auth(store.create(self, req.body, sub === 'create-orphan')) };
    case 'lookup-self':
      return { kind: 'envelope', data: store.describe(self) };
    case 'lookup':
      if (!write) break;
      return { kind: 'envelope', data: store.describe(target(core, req)) };
    case 'lookup-accessor': {
      const t = store.byAccessor(str(req.body, 'accessor'));
      if (!t) throw badRequest('invalid accessor');
      return { kind: 'envelope', data: { ...store.describe(t), id: '' } };
    }
    case 'renew-self':
      return { kind: 'envelope', auth: store.auth(store.renew(self, increment(req.body))) };
    case 'renew':
      return { kind: 'envelope', auth: store.auth(store.renew(target(core, req), increment(req.body))) };
    case 'revoke-self':
      store.revoke(self.id);
      return { kind: 'empty' };
    case 'revoke':
      store.revoke(target(core, req).id);
      return { kind: 'empty' };
    case 'revoke-accessor': {
      const t = store.byAccessor(str(req.body, 'accessor'));
      if (t) store.revoke(t.id);
      return { kind: 'empty' };
    }
  }
  throw notFound(`no handler for route "auth/token/${sub}". route entry not found.`);
}
