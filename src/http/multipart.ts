import type { IncomingMessage, ServerResponse } from 'node:http';
import { processRequest } from 'graphql-upload-minimal';
import { hasBody, mediaType } from './media-type';
import { sendErrors } from './respond';

const PREFLIGHT_HEADERS = ['apollo-require-preflight', 'x-apollo-operation-name'];

/** Whether the request is a multipart one (`req.is('multipart/form-data')`: a body, that media type). */
export function isMultipart(req: IncomingMessage): boolean {
  return hasBody(req) && mediaType(req.headers['content-type']) === 'multipart/form-data';
}

/**
 * File uploads by the GraphQL multipart request convention (what apollo-upload-client sends), on
 * Node's request and response (the `Upload` scalar and readUpload are in src/schema/upload.ts).
 * Like Apollo Server's csrfPrevention, a multipart request must carry a non-empty
 * Apollo-Require-Preflight or x-apollo-operation-name header (a browser cannot send one cross-site
 * without a preflight); it is refused before its body is read. Files above maxBytes are cut there
 * and refused by readUpload. Resolves to the operations (the request's GraphQL body), or to
 * undefined when it has answered the request (400, or the parser's 4xx).
 */
export function multipartUploads(maxBytes: number): (req: IncomingMessage, res: ServerResponse) => Promise<unknown> {
  // One byte over the limit is let through so readUpload can tell "too large" from "exactly the limit"
  // (busboy marks a file truncated once it reaches its limit).
  const options = { maxFileSize: maxBytes + 1, maxFiles: 5 };
  return async (req, res) => {
    const preflight = PREFLIGHT_HEADERS.some((h) => {
      const v = req.headers[h];
      return typeof v === 'string' && v.trim() !== '';
    });
    if (!preflight) {
      sendErrors(
        req,
        res,
        400,
        'A multipart request must carry a non-empty Apollo-Require-Preflight or x-apollo-operation-name header (CSRF prevention)',
        { code: 'BAD_REQUEST' },
      );
      return undefined;
    }
    try {
      return await processRequest(req, res, options);
    } catch (err) {
      const e = err as { status?: number; expose?: boolean; message?: string };
      const status = typeof e.status === 'number' && e.status >= 400 && e.status < 500 ? e.status : 400;
      sendErrors(req, res, status, e.expose || status < 500 ? String(e.message) : 'Invalid multipart request', { code: 'BAD_REQUEST' });
      return undefined;
    }
  };
}
