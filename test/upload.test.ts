import { mp3Bytes, uploadGql, wavBytes } from './fixtures/uploads';
import { startStack, type Stack } from './support/stack';

const FILE = `mutation($input: CreateFileTemplateInput!, $file: Upload!) { createFileTemplate(input: $input, file: $file) { templateSn status } }`;
const UPLOAD = `mutation($file: Upload!, $remarks: String!) { uploadLegacyVoiceFile(file: $file, remarks: $remarks) { fileName } }`;
const LIMIT = 64 * 1024;

describe('GraphQL multipart uploads', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ env: { UPLOAD_MAX_BYTES: String(LIMIT) } });
  });
  afterAll(() => stack.close());

  const input = { name: 'Greeting', caller: '95001' };

  it('carries a WAV end to end: multipart to /graphql with the preflight header → multipart to the platform, bytes intact', async () => {
    const wav = wavBytes(1); // 16,044 bytes
    const since = await stack.api.lastSeq();
    const res = await uploadGql(stack, UPLOAD, { remarks: '录音文件1' }, { file: { data: wav, filename: 'hello.wav' } });
    expect(res.status).toBe(200);
    expect(res.body.errors).toBeUndefined();
    expect(res.body.data!.uploadLegacyVoiceFile.fileName).toMatch(/^[0-9a-f]{14}$/);
    const [call] = await stack.api.requests('notice.voicefile.upload', since);
    expect(call).toMatchObject({ host: 'notice', method: 'POST', path: '/api/voiceFileUpload', contentType: 'multipart', tokenIn: 'form' });
    expect(call.body).toEqual({ token: expect.any(String), remarks: '录音文件1' });
    expect(call.files).toEqual([{ field: 'voiceFile', filename: 'hello.wav', mimetype: 'audio/wav', size: wav.length }]);
  });

  it('accepts x-apollo-operation-name as the preflight header', async () => {
    const res = await uploadGql(
      stack,
      FILE,
      { input },
      { file: { data: wavBytes(), filename: 'a.wav' } },
      { headers: { 'x-apollo-operation-name': 'CreateFileTemplate' } },
    );
    expect(res.status).toBe(200);
    expect(res.body.data!.createFileTemplate.status).toBe('PENDING_REVIEW');
  });

  it.each([
    ['no preflight header', {}],
    ['an empty preflight header', { 'apollo-require-preflight': '' }],
  ])('refuses a multipart request with %s (CSRF prevention), before any platform call', async (_n, headers) => {
    const before = await stack.api.count('template.createFile');
    const res = await uploadGql(stack, FILE, { input }, { file: { data: wavBytes(), filename: 'a.wav' } }, { headers });
    expect(res.status).toBe(400);
    expect(res.body.errors![0].message).toMatch(/Apollo-Require-Preflight/);
    expect(await stack.api.count('template.createFile')).toBe(before);
  });

  it('refuses a file that is not a WAV (checked by its header, whatever its name and type say)', async () => {
    const before = await stack.api.count('template.createFile');
    const res = await uploadGql(stack, FILE, { input }, { file: { data: mp3Bytes(), filename: 'fake.wav', type: 'audio/wav' } });
    expect(res.body.errors![0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'file' });
    expect(res.body.errors![0].message).toMatch(/WAV/);
    expect(await stack.api.count('template.createFile')).toBe(before);
  });

  it('refuses a file over the size limit', async () => {
    const before = await stack.api.count('notice.voicefile.upload');
    const big = wavBytes(LIMIT / 16000 + 1); // a valid WAV, larger than the limit
    expect(big.length).toBeGreaterThan(LIMIT);
    const res = await uploadGql(stack, UPLOAD, { remarks: 'r' }, { file: { data: big, filename: 'big.wav' } });
    expect(res.body.errors![0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'file' });
    expect(res.body.errors![0].message).toMatch(/larger than the 65536-byte limit/);
    expect(await stack.api.count('notice.voicefile.upload')).toBe(before);
  });

  it('accepts a file of exactly the limit', async () => {
    const wav = wavBytes((LIMIT - 44) / 16000);
    expect(wav.length).toBe(LIMIT);
    const res = await uploadGql(stack, UPLOAD, { remarks: 'r' }, { file: { data: wav, filename: 'edge.wav' } });
    expect(res.body.errors).toBeUndefined();
  });

  it('refuses an empty file', async () => {
    const res = await uploadGql(stack, UPLOAD, { remarks: 'r' }, { file: { data: Buffer.alloc(0), filename: 'empty.wav' } });
    expect(res.body.errors![0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'file' });
  });

  it('still serves ordinary JSON requests', async () => {
    const res = await stack.gql(`{ voiceTemplates(page: 1, pageSize: 5) { total } }`);
    expect(res.errors).toBeUndefined();
  });

  it('answers FORBIDDEN to a viewer uploading, without waiting for the unread file', async () => {
    const viewer = await stack.token(['viewer']);
    const before = await stack.api.count('notice.voicefile.upload');
    const res = await uploadGql(stack, UPLOAD, { remarks: 'r' }, { file: { data: wavBytes(1.5), filename: 'a.wav' } }, { token: viewer });
    expect(res.body.errors![0].extensions!.code).toBe('FORBIDDEN');
    expect(await stack.api.count('notice.voicefile.upload')).toBe(before);
  });

  it('refuses an upload without a bearer token', async () => {
    const res = await uploadGql(stack, FILE, { input }, { file: { data: wavBytes(), filename: 'a.wav' } }, { token: 'not-a-jwt' });
    expect(res.status).toBe(401);
  });
});
