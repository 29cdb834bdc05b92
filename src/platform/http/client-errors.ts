import { randomUUID } from 'node:crypto';
import type { Socket } from 'node:net';
import type { ErrorCode } from '../../domain/errors.js';
import { statusOf } from './errors.js';

const STATUS_TEXT: Record<number, string> = {
  400: 'Bad Request',
  408: 'Request Timeout',
  413: 'Payload Too Large',
  431: 'Request Header Fields Too Large',
};

function mapping(code: string | undefined): { errorCode: ErrorCode; detail: string } {
  if (code === 'HPE_HEADER_OVERFLOW')
    return { errorCode: 'HEADERS_TOO_LARGE', detail: 'Request headers are larger than the server accepts' };
  if (code === 'ERR_HTTP_REQUEST_TIMEOUT')
    return { errorCode: 'REQUEST_TIMEOUT', detail: 'The request was not received in time' };
  return {
    errorCode: 'MALFORMED_REQUEST',
    detail: 'The request is not valid HTTP/1.1 (bad request line, header name or value)',
  };
}

/**
 * Requests Node's HTTP parser refuses never reach Fastify, so they are answered here, still in the standard error
 * shape with a request id, and the connection is closed (the parser cannot resynchronise on it).
 */
export function answerUnparseableRequest(error: Error & { code?: string }, socket: Socket, instanceId: string): void {
  if (!socket.writable || error.code === 'ECONNRESET') {
    socket.destroy();
    return;
  }
  const { errorCode, detail } = mapping(error.code);
  const status = statusOf(errorCode);
  const requestId = randomUUID();
  const body = JSON.stringify({
    detail,
    error_code: errorCode,
    timestamp: new Date().toISOString(),
    request_id: requestId,
  });
  const head = [
    `HTTP/1.1 ${status} ${STATUS_TEXT[status]}`,
    'content-type: application/json; charset=utf-8',
    `content-length: ${Buffer.byteLength(body)}`,
    `x-request-id: ${requestId}`,
    `x-instance-id: ${instanceId}`,
    'x-content-type-options: nosniff',
    'connection: close',
  ];
  socket.end(`${head.join('\r\n')}\r\n\r\n${body}`);
}
