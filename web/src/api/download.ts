// Downloads of authenticated files (model.onnx, the model card): a plain link cannot carry the Bearer key.
import { apiResponse } from './client';

export async function downloadFile(path: string, filename: string): Promise<void> {
  const res = await apiResponse(path);
  const url = URL.createObjectURL(await res.blob());
  try {
    const a = document.createElement('a');
    a.href = url;
    a.download = filename;
    a.rel = 'noopener';
    document.body.append(a);
    a.click();
    a.remove();
  } finally {
    // Revoked on the next tick: the click has started the download by then.
    setTimeout(() => URL.revokeObjectURL(url), 1000);
  }
}
