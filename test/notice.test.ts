import { fastPlatform, uploadGql, waitForCallbacks, wavBytes } from './fixtures/uploads';
import { noticeHangupMeaning } from '../src/datasources/notice';
import { startStack, type Stack } from './support/stack';

const TEXT = `mutation($input: CreateTextTemplateInput!) { createLegacyTextTemplate(input: $input) { id templateSn status } }`;
const FILE = `mutation($input: CreateFileTemplateInput!, $file: Upload!) { createLegacyFileTemplate(input: $input, file: $file) { templateSn status } }`;
const LIST = `query($page: Int!, $size: Int!) { legacyVoiceTemplates(page: $page, pageSize: $size) { page pageSize total pages items { id templateSn name status platformStatus content caller params { index name variable } } } }`;
const ONE = `mutation($input: SendVoiceNoticeInput!) { sendVoiceNotice(input: $input) { id callId orderId templateSn } }`;
const BATCH = `mutation($input: SendVoiceNoticeBatchInput!) { sendVoiceNoticeBatch(input: $input) { id taskSn contactCount orderIds templateSn } }`;
const UPLOAD = `mutation($file: Upload!, $remarks: String!) { uploadLegacyVoiceFile(file: $file, remarks: $remarks) { id fileName } }`;

describe('legacy voice notice v1 (notice host)', () => {
  let stack: Stack;
  let approvedSn: string;
  beforeAll(async () => {
    stack = await startStack();
    await fastPlatform(stack);
  });
  afterAll(() => stack.close());

  async function approvedTemplate(caller = '95001'): Promise<string> {
    const res = await stack.gql(TEXT, {
      input: {
        name: 'Code',
        caller,
        content: 'Dear {name}, your code is {code}',
        params: [
          { index: 1, name: 'Name', variable: '{name}' },
          { index: 2, name: 'Code', variable: '{code}' },
        ],
      },
    });
    const sn = res.data!.createLegacyTextTemplate.templateSn as string;
    await waitForCallbacks(stack, (p) => p.kind === 'template' && p.body.template_sn === sn, 1);
    return sn;
  }

  it('creates a text template with a JSON body on the notice host with its own token, and pushes the form-encoded review', async () => {
    const since = await stack.api.lastSeq();
    const res = await stack.gql(TEXT, {
      input: {
        name: 'Code',
        caller: '95001',
        content: 'Dear {name}, your code is {code}',
        volume: 90,
        params: [
          { index: 1, name: 'Name', variable: '{name}' },
          { index: 2, name: 'Code', variable: '{code}' },
        ],
      },
    });
    expect(res.errors).toBeUndefined();
    approvedSn = res.data!.createLegacyTextTemplate.templateSn;
    expect(res.data!.createLegacyTextTemplate.id).toBe(approvedSn);
    const [call] = await stack.api.requests('notice.template.text', since);
    expect(call).toMatchObject({ host: 'notice', method: 'POST', path: '/api/template_text', contentType: 'json', tokenIn: 'body' });
    const { token, ...body } = call.body;
    // The notice host has its own token (form-encoded POST /api/token on that host).
    expect(stack.sandbox.tokens.notice.isValid(token as string)).toBe(true);
    expect(stack.sandbox.tokens.cc.isValid(token as string)).toBe(false);
    expect(body).toEqual({
      name: 'Code',
      caller: '95001',
      content: 'Dear {name}, your code is {code}',
      playNum: 1,
      volume: 90,
      params: [
        { index: 1, name: 'Name', variable: '{name}' },
        { index: 2, name: 'Code', variable: '{code}' },
      ],
    });
    const [tokenCall] = await stack.api.requests('notice.token');
    expect(tokenCall).toMatchObject({ host: 'notice', contentType: 'form', path: '/api/token' });
    const [review] = await waitForCallbacks(stack, (p) => p.kind === 'template' && p.body.template_sn === approvedSn, 1);
    expect(review.encoding).toBe('form');
    expect(review.body).toEqual({
      event: 'template',
      template_sn: approvedSn,
      status: '3',
      desc: '审核通过',
      review_time: expect.any(String),
    });
  });

  it('creates a file template (multipart, voicefile part) and lists templates', async () => {
    const wav = wavBytes();
    const since = await stack.api.lastSeq();
    const res = await uploadGql(
      stack,
      FILE,
      { input: { name: 'Recorded', caller: '95001', playCount: 3 } },
      { file: { data: wav, filename: 'r.wav' } },
    );
    expect(res.body.errors).toBeUndefined();
    const [call] = await stack.api.requests('notice.template.file', since);
    expect(call).toMatchObject({ host: 'notice', path: '/api/template', contentType: 'multipart', tokenIn: 'form' });
    expect(call.files).toEqual([{ field: 'voicefile', filename: 'r.wav', mimetype: 'audio/wav', size: wav.length }]);
    expect(call.body).toEqual({ token: expect.any(String), name: 'Recorded', caller: '95001', playNum: '3' });

    const list = await stack.gql(LIST, { page: 1, size: 10 });
    expect(list.errors).toBeUndefined();
    expect(list.data!.legacyVoiceTemplates).toMatchObject({ page: 1, pageSize: 10, total: 2, pages: 1 });
    expect(list.data!.legacyVoiceTemplates.items[0]).toMatchObject({
      id: approvedSn,
      templateSn: approvedSn,
      status: 'APPROVED',
      platformStatus: null,
      params: [{ index: 1 }, { index: 2 }],
    });
    const [listCall] = await stack.api.requests('notice.template.list', since);
    expect(listCall).toMatchObject({
      host: 'notice',
      method: 'GET',
      path: '/api/template/list',
      tokenIn: 'query',
      query: { pageNo: '1', pageSize: '10', token: expect.any(String) },
    });
  });

  it('sends one voice notice (task_one) with the contact string and gets its tasklog', async () => {
    const upload = await uploadGql(stack, UPLOAD, { remarks: 'intro' }, { file: { data: wavBytes(), filename: 'intro.wav' } });
    const fileName = upload.body.data!.uploadLegacyVoiceFile.fileName as string;
    expect(upload.body.data!.uploadLegacyVoiceFile.id).toBe(fileName);
    const since = await stack.api.lastSeq();
    const res = await stack.gql(ONE, {
      input: {
        templateSn: approvedSn,
        contact: { phone: '13511112222', params: ['Zhang San', '00001'], orderId: 'order-9' },
        voiceFiles: [fileName],
      },
    });
    expect(res.errors).toBeUndefined();
    const sent = res.data!.sendVoiceNotice;
    expect(sent).toMatchObject({ id: sent.callId, orderId: 'order-9', templateSn: approvedSn });
    const [call] = await stack.api.requests('notice.task.one', since);
    expect(call).toMatchObject({ host: 'notice', method: 'POST', path: '/api/task_one', contentType: 'form', tokenIn: 'form' });
    expect(call.body).toEqual({
      token: expect.any(String),
      template_sn: approvedSn,
      contacts: '13511112222|Zhang San|00001@order-9',
      voiceFileList: fileName,
    });
    const [log] = await waitForCallbacks(stack, (p) => p.kind === 'tasklog' && p.body.callUUID === sent.callId, 1);
    expect(log.encoding).toBe('form');
    expect(log.body).toMatchObject({
      event: 'tasklog',
      called: '13511112222',
      orderid: 'order-9',
      hangup_cause: 'NORMAL_CLEARING',
      caller: '95001',
    });
  });

  it('sends a batch (task_batch): phone|p1|p2@orderId joined with commas, one tasklog per contact', async () => {
    const since = await stack.api.lastSeq();
    const res = await stack.gql(BATCH, {
      input: {
        templateSn: approvedSn,
        contacts: [
          { phone: '13500000001', params: ['Zhang San', 'A1'], orderId: 'o-1' },
          { phone: '13500000007', params: ['Li Si', 'B2'] },
          { phone: '13500000008', orderId: 'o-3' },
          { phone: '13500000002' },
        ],
        redialCount: 1,
      },
    });
    expect(res.errors).toBeUndefined();
    const batch = res.data!.sendVoiceNoticeBatch;
    expect(batch).toMatchObject({ id: batch.taskSn, contactCount: 4, orderIds: ['o-1', 'o-3'], templateSn: approvedSn });
    const [call] = await stack.api.requests('notice.task.batch', since);
    expect(call).toMatchObject({ host: 'notice', method: 'POST', path: '/api/task_batch', contentType: 'form', tokenIn: 'form' });
    expect(call.body).toEqual({
      token: expect.any(String),
      template_sn: approvedSn,
      contacts: '13500000001|Zhang San|A1@o-1,13500000007|Li Si|B2,13500000008@o-3,13500000002',
      call_num: '1',
    });
    const logs = await waitForCallbacks(stack, (p) => p.kind === 'tasklog' && p.body.taskSn === batch.taskSn, 4);
    expect(logs.map((l) => [l.body.called, l.body.orderid, l.body.hangup_cause])).toEqual([
      ['13500000001', 'o-1', 'NORMAL_CLEARING'],
      ['13500000007', '', 'USER_BUSY'],
      ['13500000008', 'o-3', 'NO_ANSWER'],
      ['13500000002', '', 'NORMAL_CLEARING'],
    ]);
  });

  describe('the contacts string refuses separators inside values', () => {
    it.each([
      ['a comma in a parameter', { phone: '13500000001', params: ['code,00001'] }, 'contacts[0].params[0]'],
      ['a pipe in a parameter', { phone: '13500000001', params: ['a|b'] }, 'contacts[0].params[0]'],
      ['an at sign in a parameter', { phone: '13500000001', params: ['me@example.com'] }, 'contacts[0].params[0]'],
      ['a comma in an order id', { phone: '13500000001', orderId: 'o,1' }, 'contacts[0].orderId'],
      ['a pipe in an order id', { phone: '13500000001', orderId: 'o|1' }, 'contacts[0].orderId'],
      ['an at sign in an order id', { phone: '13500000001', orderId: 'o@1' }, 'contacts[0].orderId'],
    ])('batch: %s', async (_n, contact, field) => {
      const before = await stack.api.count('notice.task.batch');
      const res = await stack.gql(BATCH, { input: { templateSn: approvedSn, contacts: [contact] } });
      expect(res.errors![0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field });
      expect(res.errors![0].message).toMatch(/must not contain "," "\|" or "@"/);
      expect(await stack.api.count('notice.task.batch')).toBe(before);
    });

    // Phones are the Phone scalar: refused while the variables are coerced, naming the value.
    it.each([
      [
        'batch: a comma in a phone',
        BATCH,
        'notice.task.batch',
        (t: string) => ({ templateSn: t, contacts: [{ phone: '1350,0001' }] }),
        '1350,0001',
      ],
      [
        'batch: a bad second phone',
        BATCH,
        'notice.task.batch',
        (t: string) => ({ templateSn: t, contacts: [{ phone: '13500000001' }, { phone: '1234' }] }),
        '1234',
      ],
      ['single: a bad phone', ONE, 'notice.task.one', (t: string) => ({ templateSn: t, contact: { phone: '135abc' } }), '135abc'],
    ])('%s is BAD_USER_INPUT before any platform call', async (_n, query, endpoint, input, value) => {
      const before = await stack.api.count(endpoint);
      const res = await stack.gql(query, { input: input(approvedSn) });
      expect(res.data ?? null).toBeNull();
      expect(res.errors![0].extensions!.code).toBe('BAD_USER_INPUT');
      expect(res.errors![0].message).toContain(`"${value}"`);
      expect(await stack.api.count(endpoint)).toBe(before);
    });

    it('single: sends the national form of the phone', async () => {
      const since = await stack.api.lastSeq();
      const res = await stack.gql(ONE, { input: { templateSn: approvedSn, contact: { phone: '+86 135-1111-2223', orderId: 'o-n' } } });
      expect(res.errors).toBeUndefined();
      const [call] = await stack.api.requests('notice.task.one', since);
      expect(call.body.contacts).toBe('13511112223@o-n');
    });

    it('single: a comma in a parameter (the source example itself has one)', async () => {
      // The source example's phone (1333211321) has 10 digits, which the Phone scalar refuses: an 11-digit one here.
      const before = await stack.api.count('notice.task.one');
      const res = await stack.gql(ONE, {
        input: {
          templateSn: approvedSn,
          contact: { phone: '13332113211', params: ['张三', '男', '验证码,是00001'], orderId: 'orderid003' },
        },
      });
      expect(res.errors![0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'contact.params[2]' });
      expect(await stack.api.count('notice.task.one')).toBe(before);
    });

    it.each([
      ['no contacts', { contacts: [] }, 'contacts'],
      ['an empty template sn', { templateSn: ' ' }, 'templateSn'],
      ['a negative redial count', { redialCount: -1 }, 'redialCount'],
      ['a voice file name with a comma', { voiceFiles: ['a,b'] }, 'voiceFiles[0]'],
    ])('batch: refuses %s', async (_n, patch, field) => {
      const res = await stack.gql(BATCH, { input: { templateSn: approvedSn, contacts: [{ phone: '13500000001' }], ...patch } });
      expect(res.errors![0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field });
    });

    it('batch: accepts a redial count above 5 (the spec states no maximum for call_num)', async () => {
      const since = await stack.api.lastSeq();
      const res = await stack.gql(BATCH, { input: { templateSn: approvedSn, contacts: [{ phone: '13500000001' }], redialCount: 6 } });
      expect(res.errors).toBeUndefined();
      const [call] = await stack.api.requests('notice.task.batch', since);
      expect(call.body.call_num).toBe('6');
    });
  });

  describe('documented -1 errors from realistic inputs', () => {
    async function expectMsg(query: string, input: Record<string, unknown>, endpoint: string, msg: string) {
      const res = await stack.gql(query, { input });
      expect(res.errors![0].extensions).toMatchObject({ code: 'UPSTREAM_ERROR', endpoint, upstreamCode: '-1', upstreamMessage: msg });
    }
    const contact = { phone: '13500000001' };

    it('任务模板不存在: an unknown template', () =>
      expectMsg(ONE, { templateSn: 'no-such', contact }, 'notice.task.one', '任务模板不存在'));

    it('任务模板未审核通过: a template still in review', async () => {
      await stack.api.post('/campaigns/config', { reviewDelayMs: -1 });
      const res = await stack.gql(TEXT, { input: { name: 'Pending', caller: '95001', content: 'Hi' } });
      await fastPlatform(stack);
      await expectMsg(
        BATCH,
        { templateSn: res.data!.createLegacyTextTemplate.templateSn, contacts: [contact] },
        'notice.task.batch',
        '任务模板未审核通过',
      );
    });

    it('任务模板已删除: a deleted template', async () => {
      const sn = await approvedTemplate();
      await stack.api.post('/notice/templates/review', { templateSn: sn, deleted: true });
      await expectMsg(ONE, { templateSn: sn, contact }, 'notice.task.one', '任务模板已删除');
    });

    it('主叫号码未绑定: the template caller is not bound', async () => {
      const sn = await approvedTemplate('95777');
      await expectMsg(BATCH, { templateSn: sn, contacts: [contact] }, 'notice.task.batch', '主叫号码未绑定');
    });

    // The gateway never sends these (it refuses empty values first): injected to show they pass through.
    it.each(['任务模板sn不能为空', '联系人清单不能为空'])('%s (injected)', async (msg) => {
      await stack.api.fault({ endpoint: 'notice.task.one', kind: 'envelope', code: -1, msg });
      await expectMsg(ONE, { templateSn: approvedSn, contact }, 'notice.task.one', msg);
    });

    it('the text template messages (injected)', async () => {
      for (const msg of ['模板标题不能为空', '模板文本不能为空']) {
        await stack.api.fault({ endpoint: 'notice.template.text', kind: 'envelope', code: -1, msg });
        await expectMsg(TEXT, { name: 'n', caller: '95001', content: 'c' }, 'notice.template.text', msg);
      }
    });
  });
});

describe('legacy voice notice: token, roles, file errors', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack();
    await fastPlatform(stack);
  });
  afterAll(() => stack.close());

  it('gets a new notice token after a 403 "no auth" and retries once', async () => {
    const first = await stack.gql(`{ legacyVoiceTemplates { total } }`);
    expect(first.errors).toBeUndefined();
    await stack.api.revokeTokens();
    const since = await stack.api.lastSeq();
    const res = await stack.gql(`{ legacyVoiceTemplates { total } }`);
    expect(res.errors).toBeUndefined();
    const calls = await stack.api.requests(undefined, since);
    expect(calls.map((c) => [c.endpoint, c.answered])).toEqual([
      ['notice.template.list', 403],
      ['notice.token', 0],
      ['notice.template.list', 0],
    ]);
  });

  it('lets only supervisors send notices', async () => {
    const viewer = await stack.token(['viewer']);
    const res = await stack.gql(BATCH, { input: { templateSn: 'x', contacts: [{ phone: '13500000001' }] } }, viewer);
    expect(res.errors![0].extensions!.code).toBe('FORBIDDEN');
    const list = await stack.gql(`{ legacyVoiceTemplates { total } }`, {}, viewer);
    expect(list.errors).toBeUndefined();
  });

  it.each(['模板标题不能为空', '录音文件不能为空', '格式异常,只能上传wav'])('file template: %s reaches the client', async (msg) => {
    await stack.api.fault({ endpoint: 'notice.template.file', kind: 'envelope', code: -1, msg });
    const res = await uploadGql(stack, FILE, { input: { name: 'n', caller: '95001' } }, { file: { data: wavBytes(), filename: 'a.wav' } });
    expect(res.body.errors![0].extensions).toMatchObject({
      code: 'UPSTREAM_ERROR',
      endpoint: 'notice.template.file',
      upstreamCode: '-1',
      upstreamMessage: msg,
    });
  });

  it('gives the meaning of tasklog hang-up causes', () => {
    expect(noticeHangupMeaning('NO_USER_RESPONSE')).toEqual({
      code: 'NO_USER_RESPONSE',
      meaning: 'Called party did not respond',
      platformDescription: '被叫无响应',
    });
    expect(noticeHangupMeaning('SOMETHING_NEW')).toEqual({ code: 'SOMETHING_NEW', meaning: undefined, platformDescription: undefined });
  });
});
