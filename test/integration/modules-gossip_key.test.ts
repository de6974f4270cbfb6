import { afterEach, describe, expect, it } from 'vitest';
import { gossip_key, gossipKeyProblem } from '../../src/modules/gossip_key.js';
import { runModule } from '../../src/modules/run.js';
import { makeContext, type TestContext } from '../helpers/module-context.js';

let tc: TestContext | undefined;
afterEach(() => tc?.cleanup());

async function run(args: Record<string, unknown>, checkMode = false) {
  tc = await makeContext();
  const ctx = tc.with({ checkMode });
  const result = await runModule(gossip_key, ctx, args);
  return { result, ctx };
}

describe('gossip_key', () => {
  it.each([
    ['cg8StVXbQJ0gPvMd9o7yrg==', undefined],
    [Buffer.alloc(24, 7).toString('base64'), undefined],
    [Buffer.alloc(32, 9).toString('base64'), undefined],
    ['', 'it is empty'],
    ['not a key!', 'it is not base64'],
    ['cg8StVXbQJ0gPvMd9o7yrg', 'it is not base64'],
    [Buffer.alloc(8, 1).toString('base64'), 'it decodes to 8 bytes (16, 24 or 32 expected)'],
  ])('validates %j', (key, problem) => {
    expect(gossipKeyProblem(key)).toBe(problem);
  });

  it('reuses a valid existing key: ok with a reason, masked', async () => {
    const key = 'cg8StVXbQJ0gPvMd9o7yrg==';
    const { result, ctx } = await run({ existing: key });
    expect(result.failed).toBe(false);
    expect(result.changed).toBe(false);
    expect(result.reason).toBe('reusing the existing key');
    expect(result.data['key']).toBe(key);
    expect(ctx.secrets.mask(`encrypt = "${key}"`)).toBe('encrypt = "********"');
  });

  it.each([[{}], [{ existing: '' }], [{ existing: 'garbage' }], [{ existing: Buffer.alloc(8).toString('base64') }]])(
    'generates 16 random bytes when the existing key is %j',
    async (args) => {
      const { result, ctx } = await run(args);
      expect(result.failed).toBe(false);
      expect(result.changed).toBe(true);
      expect(result.reason).toMatch(/^generated a new key/);
      const key = result.data['key'];
      expect(typeof key).toBe('string');
      expect(gossipKeyProblem(String(key))).toBeUndefined();
      expect(Buffer.from(String(key), 'base64').length).toBe(16);
      expect(ctx.secrets.mask(String(key))).toBe('********');
    },
  );

  it('never leaks a rejected existing value in the reason', async () => {
    const bad = 'AAAAAAAAAAA=';
    const { result } = await run({ existing: bad });
    expect(result.reason).not.toContain(bad);
  });

  it('generates a different key each time and honours bytes', async () => {
    const a = (await run({})).result.data['key'];
    const b = (await run({ bytes: 32 })).result.data['key'];
    expect(a).not.toBe(b);
    expect(Buffer.from(String(b), 'base64').length).toBe(32);
  });

  it('returns the key in check mode too (plan is pure)', async () => {
    const { result } = await run({}, true);
    expect(result.changed).toBe(true);
    expect(typeof result.data['key']).toBe('string');
  });

  it('rejects unknown arguments with a suggestion', async () => {
    const { result } = await run({ existng: 'x' });
    expect(result.failed).toBe(true);
    expect(result.msg).toMatch(/existing/);
  });
});
