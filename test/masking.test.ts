import { maskPhone, redactCredentials, REDACTED, reveal } from '../src/auth/personal-data';
import type { Principal } from '../src/auth/principal';
import { Sensitivity } from '../src/schema/sensitivity';

describe('maskPhone', () => {
  it('keeps the first 3 and the last 4 of 11 digits', () => {
    expect(maskPhone('13812348000')).toBe('138****8000');
  });

  it('keeps proportionally less of other lengths, always starring at least one digit, and keeps non-digits in place', () => {
    expect(maskPhone('01062345678')).toBe('010****5678');
    expect(maskPhone('075583765432')).toBe('075*****5432');
    expect(maskPhone('138-1234-8000')).toBe('138-****-8000');
    expect(maskPhone('9558')).toBe('9**8');
    expect(maskPhone('12')).toBe('**');
    expect(maskPhone('7')).toBe('*');
    expect(maskPhone('')).toBe('');
    expect(maskPhone('sip:abc')).toBe('sip:abc');
  });
});

describe('redactCredentials', () => {
  it('replaces credential fields at any depth of an object, without touching the original', () => {
    const raw = { sipId: 's1', sipPassword: 'pw-1', nested: [{ token: 't-1', other: 'x' }], webrtcSipPassword: '' };
    expect(redactCredentials(raw)).toEqual({
      sipId: 's1',
      sipPassword: REDACTED,
      nested: [{ token: REDACTED, other: 'x' }],
      webrtcSipPassword: '',
    });
    expect(raw.sipPassword).toBe('pw-1');
  });

  it('does not recurse: 100,000 levels deep are fine', () => {
    let deep: unknown = { token: 'secret-token' };
    for (let i = 0; i < 100_000; i++) deep = [deep];
    let out = redactCredentials(deep);
    for (let i = 0; i < 100_000; i++) out = (out as unknown[])[0];
    expect(out).toEqual({ token: REDACTED });
  });

  it('redacts credentials in JSON that is itself a string value, in a body or in an object', () => {
    const inner = JSON.stringify({ sipPassword: 'pw-9', sipId: 's9', deeper: JSON.stringify({ token: 't-9' }) });
    const body = JSON.stringify({ agentNumber: '7001', data: inner });
    const out = redactCredentials(body) as string;
    expect(out).not.toContain('pw-9');
    expect(out).not.toContain('t-9');
    const data = JSON.parse(JSON.parse(out).data);
    expect(data).toMatchObject({ sipPassword: REDACTED, sipId: 's9' });
    expect(JSON.parse(data.deeper)).toEqual({ token: REDACTED });
    expect(JSON.stringify(redactCredentials({ data: inner }))).not.toContain('pw-9');
  });

  it('redacts JSON and form bodies as text, and known secret values anywhere', () => {
    const json = '{"agentNumber":"7001","sipPassword":"pw\\"1","data":{"token":12345},"note":"hook s3cr3t-value"}';
    const out = redactCredentials(json, ['s3cr3t-value']) as string;
    expect(JSON.parse(out)).toEqual({ agentNumber: '7001', sipPassword: REDACTED, data: { token: REDACTED }, note: `hook ${REDACTED}` });
    const form = redactCredentials('agentNumber=7001&sipPassword=pw1&data=%7B%22token%22%3A%22t1%22%7D', []) as string;
    const params = new URLSearchParams(form);
    expect(params.get('sipPassword')).toBe(REDACTED);
    expect(JSON.parse(params.get('data')!)).toEqual({ token: REDACTED });
    expect(params.get('agentNumber')).toBe('7001');
  });
});

describe('reveal', () => {
  const viewer: Principal = { sub: 'v', roles: ['viewer'] };
  const supervisor: Principal = { sub: 's', roles: ['supervisor'] };
  const agent: Principal = { sub: 'a', roles: ['agent'], agentNumber: '7001' };

  it('follows the role table', () => {
    expect(reveal(Sensitivity.CUSTOMER_PHONE, '13812348000', viewer, false, [])).toBe('138****8000');
    expect(reveal(Sensitivity.CUSTOMER_PHONE, ['13812348000'], viewer, false, [])).toEqual(['138****8000']);
    expect(reveal(Sensitivity.CUSTOMER_PHONE, '13812348000', agent, false, [])).toBe('138****8000');
    expect(reveal(Sensitivity.CUSTOMER_PHONE, '13812348000', agent, true, [])).toBe('13812348000');
    expect(reveal(Sensitivity.CUSTOMER_PHONE, '13812348000', supervisor, false, [])).toBe('13812348000');
    for (const s of [Sensitivity.MESSAGE_TEXT, Sensitivity.DIALOGUE, Sensitivity.RECORDING, Sensitivity.RAW, Sensitivity.CREDENTIAL]) {
      expect(reveal(s, 'x', viewer, false, [])).toBeNull();
      expect(reveal(s, 'x', agent, true, [])).toBe('x');
    }
    expect(reveal(Sensitivity.CREDENTIAL, 'pw', supervisor, false, [])).toBeNull();
    expect(reveal(Sensitivity.RAW, { sipPassword: 'pw', sipId: 's' }, supervisor, false, [])).toEqual({
      sipPassword: REDACTED,
      sipId: 's',
    });
    expect(reveal(Sensitivity.MESSAGE_TEXT, 'Your code is 424242', supervisor, false, [])).toBe('Your code is 424242');
  });
});
