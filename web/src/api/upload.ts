// Dataset upload with XMLHttpRequest, because fetch reports no upload progress; the file is the raw body.
import { authHeaders, ApiError } from './client';

export interface UploadOptions {
  name: string;
  file: File;
  maskPii: boolean;
  onProgress: (fraction: number) => void;
}

/** The body's content type picks the server's reader; JSON arrays go as bytes with format=json. */
function typeOf(file: File): { type: string; format?: string } {
  const n = file.name.toLowerCase();
  if (n.endsWith('.jsonl') || n.endsWith('.ndjson')) return { type: 'application/x-ndjson', format: 'jsonl' };
  if (n.endsWith('.json')) return { type: 'application/octet-stream', format: 'json' };
  return { type: 'text/csv' };
}

export function uploadDataset(opts: UploadOptions): { done: Promise<unknown>; abort: () => void } {
  const xhr = new XMLHttpRequest();
  const { type, format } = typeOf(opts.file);
  const q = new URLSearchParams({ name: opts.name, filename: opts.file.name.slice(0, 255) });
  if (format) q.set('format', format);
  if (opts.maskPii) q.set('maskPii', 'true');
  const done = new Promise<unknown>((resolve, reject) => {
    xhr.open('POST', `/api/v1/datasets?${q}`);
    for (const [k, v] of Object.entries(authHeaders())) xhr.setRequestHeader(k, v);
    xhr.setRequestHeader('content-type', type);
    xhr.responseType = 'json';
    xhr.upload.onprogress = (e) => {
      if (e.lengthComputable) opts.onProgress(e.loaded / e.total);
    };
    xhr.onload = () => {
      if (xhr.status >= 200 && xhr.status < 300) {
        opts.onProgress(1);
        resolve(xhr.response);
        return;
      }
      const err = xhr.response?.error;
      reject(new ApiError(xhr.status, err?.code ?? `http_${xhr.status}`, err?.message ?? xhr.statusText, err?.details ?? null));
    };
    xhr.onerror = () => reject(new ApiError(0, 'network', 'network error'));
    xhr.onabort = () => reject(new ApiError(0, 'aborted', 'aborted'));
    xhr.send(opts.file);
  });
  return { done, abort: () => xhr.abort() };
}
