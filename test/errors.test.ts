import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ERROR_CODES } from '../src/errors';
import { ENDPOINTS, errorMeaning } from '../src/spec';

describe('platform error messages (what a client reads in `message`)', () => {
  it('is the meaning of the code the platform returned, one English sentence without spec annotations', () => {
    expect(errorMeaning('task.create', '1004006', '未绑定的主叫号码')).toBe('Calling number is not bound.');
    expect(errorMeaning('agent.setStatus', '1005009', '座席用户不存在,请联系管理员')).toBe(
      'Agent user does not exist, contact the administrator.',
    );
    expect(errorMeaning('directcall.bind', '2002', 'telA is empty')).toBe("Binding failed: 'telA is empty'.");
    expect(errorMeaning('sms.send', '403', '鉴权失败')).toBe('Authentication failed.');
  });

  it("is the platform's own reason for codes whose reason is in msg, in English when the spec translates it", () => {
    // The spec lists six possible reasons for -1 of the legacy single notice: the client reads the one that happened.
    expect(errorMeaning('notice.task.one', '-1', '任务模板不存在')).toBe('Template does not exist.');
    expect(errorMeaning('notice.task.one', '-1', '任务模板未审核通过')).toBe('Template not approved.');
    expect(errorMeaning('template.createText', '-1', '模板标题不能为空')).toBe('Template title must not be empty.');
    expect(errorMeaning('task.create', '-1', '外呼时间段不合法')).toBe('The platform refused the request: 外呼时间段不合法.');
    expect(errorMeaning('task.create', '-1', '')).toBe('The platform refused the request.');
  });

  it("is the platform's msg for a code the spec does not list", () => {
    expect(errorMeaning('task.create', '123456', 'something broke')).toBe('The platform refused the request: something broke.');
    expect(errorMeaning('task.create', '123456', '')).toBe('The platform refused the request with code 123456.');
  });

  it('never carries the annotations of the spec tables, for any documented code', () => {
    for (const e of ENDPOINTS) {
      for (const { code } of e.errors) {
        const message = errorMeaning(e.id, String(code), '');
        expect(message).toMatch(/^[A-Z].*\.$/);
        expect(message).not.toMatch(/data null|msg carries|msg gives|\(sic|from the example|[\u4e00-\u9fff]|\(msg/);
      }
    }
  });
});

describe('error codes', () => {
  it('the README lists every code a client can see', () => {
    const readme = readFileSync(join(__dirname, '..', 'README.md'), 'utf8');
    for (const code of ERROR_CODES) expect({ code, listed: readme.includes(`| \`${code}\` |`) }).toEqual({ code, listed: true });
  });
});
