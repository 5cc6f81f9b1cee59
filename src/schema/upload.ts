import type { Readable } from 'node:stream';
import type { RequestHandler } from 'express';
import { GraphQLUpload, graphqlUploadExpress, type FileUpload } from 'graphql-upload-minimal';
import { BadInputError } from '../errors';

/**
 * File uploads by the GraphQL multipart request convention (what apollo-upload-client sends):
 * the `Upload` scalar, the Express middleware, and reading an upload with a size limit.
 */
export const UploadScalar = GraphQLUpload;
export type { FileUpload };

/** A file read from an upload, ready to forward to the platform. */
export interface ReceivedFile {
  filename: string;
  mimetype: string;
  data: Buffer;
}

const PREFLIGHT_HEADERS = ['apollo-require-preflight', 'x-apollo-operation-name'];

function graphqlError(res: Parameters<RequestHandler>[1], status: number, code: string, message: string): void {
  res.status(status).json({ errors: [{ message, extensions: { code } }] });
}

/**
 * Parses multipart GraphQL requests (other requests pass through untouched). Like Apollo Server's
 * csrfPrevention, a multipart request must carry a non-empty Apollo-Require-Preflight or
 * x-apollo-operation-name header (a browser cannot send one cross-site without a preflight); it is
 * refused before its body is read. Files above maxBytes are cut there and refused by readUpload.
 * Must run before the JSON body parser and Apollo's middleware.
 */
export function graphqlUploads(maxBytes: number): RequestHandler {
  // One byte over the limit is let through so readUpload can tell "too large" from "exactly the limit"
  // (busboy marks a file truncated once it reaches its limit).
  const parse = graphqlUploadExpress({ maxFileSize: maxBytes + 1, maxFiles: 5 });
  return (req, res, next) => {
    if (!req.is('multipart/form-data')) return next();
    const preflight = PREFLIGHT_HEADERS.some((h) => {
      const v = req.headers[h];
      return typeof v === 'string' && v.trim() !== '';
    });
    if (!preflight) {
      return graphqlError(
        res,
        400,
        'BAD_REQUEST',
        'A multipart request must carry a non-empty Apollo-Require-Preflight or x-apollo-operation-name header (CSRF prevention)',
      );
    }
    parse(req, res, (err?: unknown) => {
      if (!err) return next();
      const e = err as { status?: number; expose?: boolean; message?: string };
      const status = typeof e.status === 'number' && e.status >= 400 && e.status < 500 ? e.status : 400;
      graphqlError(res, status, 'BAD_REQUEST', e.expose || status < 500 ? String(e.message) : 'Invalid multipart request');
    });
  };
}

/** Reads an uploaded file into memory, refusing one larger than maxBytes (the field names the argument). */
export async function readUpload(upload: Promise<FileUpload> | FileUpload, field: string, maxBytes: number): Promise<ReceivedFile> {
  let file: FileUpload;
  try {
    file = await upload;
  } catch (err) {
    throw new BadInputError(field, `upload failed: ${(err as Error).message}`);
  }
  const tooLarge = () => new BadInputError(field, `file is larger than the ${maxBytes}-byte limit`);
  let stream: Readable & { truncated?: boolean };
  try {
    stream = file.createReadStream();
  } catch (err) {
    if ((err as { status?: number }).status === 413) throw tooLarge();
    throw new BadInputError(field, `upload failed: ${(err as Error).message}`);
  }
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of stream) {
      size += (chunk as Buffer).length;
      if (size > maxBytes) {
        stream.destroy();
        throw tooLarge();
      }
      chunks.push(chunk as Buffer);
    }
  } catch (err) {
    if (err instanceof BadInputError) throw err;
    if ((err as { status?: number }).status === 413) throw tooLarge();
    throw new BadInputError(field, `upload failed: ${(err as Error).message}`);
  }
  if (stream.truncated) throw tooLarge();
  if (size === 0) throw new BadInputError(field, 'file is empty');
  return { filename: file.filename, mimetype: file.mimetype, data: Buffer.concat(chunks, size) };
}

/** True when the bytes are a RIFF/WAVE file ("RIFF" <size> "WAVE"). */
export function isWav(data: Buffer): boolean {
  return data.length >= 12 && data.toString('latin1', 0, 4) === 'RIFF' && data.toString('latin1', 8, 12) === 'WAVE';
}

/** Reads an upload and checks it is a WAV file by its header. */
export async function readWavUpload(upload: Promise<FileUpload> | FileUpload, field: string, maxBytes: number): Promise<ReceivedFile> {
  const file = await readUpload(upload, field, maxBytes);
  if (!isWav(file.data)) throw new BadInputError(field, 'must be a WAV file (RIFF/WAVE header)');
  return file;
}
