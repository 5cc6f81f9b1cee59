import 'reflect-metadata';
import { parse } from 'graphql';
import { OperationGuard, PLATFORM_FIELD_COST } from '../src/guards/operation-limits';
import { buildGatewaySchema } from '../src/build-schema';

const LIMITS = { depth: 8, aliases: 15, tokens: 2000, cost: 5000, upstreamCallsPerOperation: 1200 };
const mobile = (i: number) => `139${String(i).padStart(8, '0')}`;

describe('the cost model', () => {
  let guard: OperationGuard;
  beforeAll(async () => {
    guard = new OperationGuard(await buildGatewaySchema(), LIMITS, { introspection: true });
  });

  const phones = parse(`query($n: [Phone!]!) { phones(numbers: $n) { number kind location { province } state } }`);

  it('multiplies what a list argument selects by its length; platform fields cost more, scalars nothing', () => {
    const cost = (n: number) => guard.cost(phones, undefined, { n: Array.from({ length: n }, (_, i) => mobile(i)) });
    expect(cost(1)).toBe(PLATFORM_FIELD_COST + 2 * PLATFORM_FIELD_COST);
    expect(cost(500)).toBe(PLATFORM_FIELD_COST + 500 * 2 * PLATFORM_FIELD_COST);
    expect(guard.cost(parse(`{ phones(numbers: ["13900000001", "13900000002"]) { number kind } }`), undefined, undefined)).toBe(
      PLATFORM_FIELD_COST,
    );
  });

  it('multiplies by the page size', () => {
    const page = (size: number) => guard.cost(parse(`{ agents(pageSize: ${size}) { total records { sn name } } }`), undefined, undefined);
    expect(page(100)! - PLATFORM_FIELD_COST).toBe(100 * (page(1)! - PLATFORM_FIELD_COST));
  });

  it('remembers a cost per document and variable shape, never a cost of invalid variables', () => {
    const numbers = (n: number) => Array.from({ length: n }, (_, i) => mobile(i));
    expect(guard.cost(phones, undefined, { n: numbers(10) })).not.toBe(guard.cost(phones, undefined, { n: numbers(20) }));
    expect(guard.cost(phones, undefined, { n: numbers(10) })).toBe(guard.cost(phones, undefined, { n: numbers(10).reverse() }));
    // Invalid numbers: no cost (execution refuses them) and nothing remembered for their shape.
    const fresh = parse(`query($n: [Phone!]!) { phones(numbers: $n) { location { city } } }`);
    expect(guard.cost(fresh, undefined, { n: ['not a number', 'nor this'] })).toBeUndefined();
    expect(guard.cost(fresh, undefined, { n: numbers(2) })).toBe(PLATFORM_FIELD_COST + 2 * PLATFORM_FIELD_COST);
  });

  it('refuses over LIMIT_COST with the value and the maximum', () => {
    const doc = parse(
      `query($a: [Phone!]!, $b: [Phone!]!) { a: phones(numbers: $a) { state } b: phones(numbers: $b) { state } c: phones(numbers: $a) { state } }`,
    );
    const n = Array.from({ length: 500 }, (_, i) => mobile(i));
    expect(() => guard.checkCost(doc, undefined, { a: n, b: n })).toThrow(
      expect.objectContaining({ code: 'OPERATION_LIMIT', limit: 'cost', maximum: 5000 }),
    );
  });
});
