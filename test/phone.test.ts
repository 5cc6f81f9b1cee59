import { parsePhone, PhoneKind } from '../src/schema/phone';
import { startStack, type Stack } from './support/stack';

describe('parsePhone', () => {
  it.each([
    ['13812345678', '13812345678', PhoneKind.MOBILE],
    ['138 1234 5678', '13812345678', PhoneKind.MOBILE],
    ['138-1234-5678', '13812345678', PhoneKind.MOBILE],
    ['+86 138 1234 5678', '13812345678', PhoneKind.MOBILE],
    ['+86-13812345678', '13812345678', PhoneKind.MOBILE],
    ['0086 13812345678', '13812345678', PhoneKind.MOBILE],
    ['8613812345678', '13812345678', PhoneKind.MOBILE],
    ['19912345678', '19912345678', PhoneKind.MOBILE],
    ['010-62345678', '01062345678', PhoneKind.FIXED_LINE],
    ['(010) 6234 5678', '01062345678', PhoneKind.FIXED_LINE],
    ['+86 10 6234 5678', '01062345678', PhoneKind.FIXED_LINE],
    ['0086-755-83765432', '075583765432', PhoneKind.FIXED_LINE],
    ['0571-8765432', '05718765432', PhoneKind.FIXED_LINE],
    ['400-123-4567', '4001234567', PhoneKind.SERVICE],
    ['800 810 8888', '8008108888', PhoneKind.SERVICE],
    ['95555', '95555', PhoneKind.SERVICE],
    ['95001', '95001', PhoneKind.SERVICE],
    ['96877777', '96877777', PhoneKind.SERVICE],
    ['10086', '10086', PhoneKind.SERVICE],
    ['12345', '12345', PhoneKind.SERVICE],
  ])('%s → %s', (input, number, kind) => {
    expect(parsePhone(input)).toMatchObject({ number, kind });
  });

  it('gives the area code of fixed lines', () => {
    expect(parsePhone('010-62345678')?.areaCode).toBe('010');
    expect(parsePhone('020 8765 4321')?.areaCode).toBe('020');
    expect(parsePhone('0755-83765432')?.areaCode).toBe('0755');
  });

  it.each([
    '',
    '123',
    '12812345678', // no 12x mobile segment
    '1381234567', // 10 digits
    '138123456789', // 12 digits
    '+1 415 555 0100',
    '010-1234567', // 3-digit area code needs 8 local digits
    '010-02345678', // local numbers do not start with 0
    '0755-123456', // too short
    '13812345678a',
    '+86+13812345678',
    '400-123-456', // 400 numbers have 10 digits
    '9555', // 95 numbers have 5 to 8 digits
    '955551234567',
    '+86 95555', // service numbers are national only
    '11086',
  ])('rejects %j', (input) => {
    expect(parsePhone(input)).toBeUndefined();
  });
});

describe('Phone scalar over GraphQL', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack();
  });
  afterAll(() => stack.close());

  async function lookupCalls(since: number) {
    const all = await stack.api.requests(undefined, since);
    return all.filter((r) => r.endpoint?.startsWith('lookup.'));
  }

  it('normalises variables and literals', async () => {
    const res = await stack.gql(
      `query($n: Phone!) { a: phone(number: $n) { number kind } b: phone(number: "+86 (010) 6234-5678") { number kind } }`,
      {
        n: '0086 138-1234-5678',
      },
    );
    expect(res.errors).toBeUndefined();
    expect(res.data).toEqual({ a: { number: '13812345678', kind: 'MOBILE' }, b: { number: '01062345678', kind: 'FIXED_LINE' } });
  });

  it('refuses an invalid variable with BAD_USER_INPUT naming the value, before any platform call', async () => {
    const since = await stack.api.lastSeq();
    const res = await stack.gql(`query($n: Phone!) { phone(number: $n) { location { province } state marks { type } } }`, { n: '1234' });
    expect(res.data).toBeUndefined();
    expect(res.errors).toHaveLength(1);
    expect(res.errors![0].extensions?.code).toBe('BAD_USER_INPUT');
    expect(res.errors![0].message).toContain('"1234"');
    expect(await lookupCalls(since)).toEqual([]);
  });

  it('refuses an invalid literal with BAD_USER_INPUT naming the value', async () => {
    const since = await stack.api.lastSeq();
    const res = await stack.gql(`{ phone(number: "999-not-a-phone") { state } }`);
    expect(res.errors![0].extensions?.code).toBe('BAD_USER_INPUT');
    expect(res.errors![0].message).toContain('"999-not-a-phone"');
    expect(await lookupCalls(since)).toEqual([]);
  });

  it('refuses a list with one invalid number: nothing is looked up', async () => {
    const since = await stack.api.lastSeq();
    const res = await stack.gql(`query($ns: [Phone!]!) { phones(numbers: $ns) { location { city } state } }`, {
      ns: ['13812345678', '13912345678', '+44 20 7946 0958'],
    });
    expect(res.data).toBeUndefined();
    expect(res.errors!.map((e) => e.extensions?.code)).toEqual(['BAD_USER_INPUT']);
    expect(res.errors![0].message).toContain('"+44 20 7946 0958"');
    expect(await lookupCalls(since)).toEqual([]);
  });

  it('refuses a non-string number', async () => {
    const res = await stack.gql(`query($n: Phone!) { phone(number: $n) { state } }`, { n: 13812345678 });
    expect(res.errors![0].extensions?.code).toBe('BAD_USER_INPUT');
    expect(res.errors![0].message).toContain('13812345678');
  });
});
