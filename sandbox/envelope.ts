/**
 * The platform's response envelope `{msg, code, data}`. The literal type of `code` follows the
 * endpoint's success literal (number 0, string "0" or string "0000"), for errors too: a family
 * whose success is "0" answers "403", one whose success is 0 answers 403.
 */
export type CodeLiteral = string | number;

export function typedCode(successCode: CodeLiteral, code: string | number): CodeLiteral {
  return typeof successCode === 'number' ? Number(code) : String(code);
}

export function okEnvelope(successCode: CodeLiteral, data: unknown, msg = 'success') {
  return data === undefined ? { msg, code: successCode } : { msg, code: successCode, data };
}

export function errorEnvelope(successCode: CodeLiteral, code: string | number, msg: string) {
  return { msg, code: typedCode(successCode, code) };
}

/** Thrown by a sandbox handler to answer with a platform error envelope. */
export class PlatformFault extends Error {
  constructor(
    readonly code: string | number,
    msg: string,
    readonly data?: unknown,
  ) {
    super(msg);
  }
}
