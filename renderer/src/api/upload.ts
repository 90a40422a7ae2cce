/**
 * The web shell's file upload (core/server/server.ts POST /upload): the browser cannot give the server
 * a path on its host, so each file goes up first and `data.import` receives the reference the server
 * answers (`upload:<id>/<name>`). The token travels in the Authorization header (never a query
 * string); XMLHttpRequest because fetch reports no upload progress.
 */
import { ApiCallError } from './errors';

export interface UploadHandle {
  promise: Promise<string>;
  abort(): void;
}

/** The page's access token (the web shell's URL carries it), or null. */
export function pageToken(loc: Pick<Location, 'search'> = window.location): string | null {
  return new URLSearchParams(loc.search).get('token');
}

/** Upload one file; `onProgress(sent, total)` as bytes go out; resolves with the upload reference. */
export function uploadFile(file: File, onProgress: (sent: number, total: number) => void): UploadHandle {
  const xhr = new XMLHttpRequest();
  const promise = new Promise<string>((resolve, reject) => {
    const token = pageToken();
    if (!token) {
      reject(
        new ApiCallError('unauthorized', 'the page has no access token: open the URL the server printed'),
      );
      return;
    }
    xhr.open('POST', `/upload?name=${encodeURIComponent(file.name)}`);
    xhr.setRequestHeader('Authorization', `Bearer ${token}`);
    xhr.upload.onprogress = (e) => onProgress(e.loaded, e.lengthComputable ? e.total : file.size);
    xhr.onload = () => {
      let body: { ref?: unknown; error?: { code?: string; message?: string } } = {};
      try {
        body = JSON.parse(xhr.responseText) as typeof body;
      } catch {
        // not JSON: reported below by status
      }
      if (xhr.status === 201 && typeof body.ref === 'string') resolve(body.ref);
      else
        reject(
          new ApiCallError(
            xhr.status === 413 ? 'payload_too_large' : xhr.status === 401 ? 'unauthorized' : 'internal',
            `${file.name}: ${body.error?.message ?? `upload failed (HTTP ${xhr.status})`}`,
          ),
        );
    };
    xhr.onerror = () =>
      reject(new ApiCallError('disconnected', `${file.name}: the upload failed (connection)`));
    xhr.onabort = () => reject(new ApiCallError('internal', `${file.name}: upload cancelled`));
    xhr.send(file);
  });
  return { promise, abort: () => xhr.abort() };
}
