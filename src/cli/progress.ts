// A one-line training progress bar with loss and ETA, drawn on stderr only when it is a terminal.
import type { ProgressEvent } from '../ml/trainer.js';

export function progressBar(stream: NodeJS.WriteStream = process.stderr): (e: ProgressEvent) => void {
  if (!stream.isTTY) return () => {};
  let epochs = 1,
    stepsPerEpoch = 1,
    lastLoss = NaN,
    valLoss: number | undefined;
  const draw = (epoch: number, step: number, eta: number) => {
    const done = Math.min(1, ((epoch - 1) * stepsPerEpoch + step) / (epochs * stepsPerEpoch));
    const width = 30,
      filled = Math.round(done * width);
    const bar = '█'.repeat(filled) + '░'.repeat(width - filled);
    const val = valLoss !== undefined ? `  val ${valLoss.toFixed(4)}` : '';
    stream.write(`\r${bar} epoch ${epoch}/${epochs}  loss ${lastLoss.toFixed(4)}${val}  eta ${formatEta(eta)}   `);
  };
  return (e) => {
    if (e.type === 'start') {
      epochs = e.epochs;
      stepsPerEpoch = Math.max(1, e.stepsPerEpoch);
    } else if (e.type === 'step') {
      lastLoss = e.loss;
      draw(e.epoch, e.step, e.etaSeconds);
    } else if (e.type === 'epoch') {
      lastLoss = e.trainLoss;
      valLoss = e.validationLoss;
      draw(e.epoch, stepsPerEpoch, e.etaSeconds);
    } else if (e.type === 'end') stream.write(`\r${' '.repeat(90)}\r`);
  };
}

function formatEta(s: number): string {
  if (!Number.isFinite(s)) return '?';
  const m = Math.floor(s / 60),
    r = Math.round(s % 60);
  return m ? `${m}m${String(r).padStart(2, '0')}s` : `${r}s`;
}

/** A one-line byte progress bar (uploads), drawn on stderr only when it is a terminal; call the result with (done, total). */
export function byteProgressBar(label: string, stream: NodeJS.WriteStream = process.stderr): ((done: number, total: number) => void) & { end(): void } {
  const started = Date.now();
  let last = 0,
    drawn = false;
  const f = (done: number, total: number) => {
    if (!stream.isTTY) return;
    const now = Date.now();
    if (now - last < 100 && done < total) return;
    last = now;
    drawn = true;
    const frac = total > 0 ? Math.min(1, done / total) : 1;
    const width = 30,
      filled = Math.round(frac * width);
    const rate = done / Math.max(0.001, (now - started) / 1000);
    const eta = rate > 0 ? (total - done) / rate : Infinity;
    stream.write(
      `\r${label} ${'█'.repeat(filled)}${'░'.repeat(width - filled)} ${formatBytes(done)}/${formatBytes(total)}  ${formatBytes(rate)}/s  eta ${formatEta(eta)}   `,
    );
  };
  return Object.assign(f, {
    end: () => {
      if (drawn && stream.isTTY) stream.write(`\r${' '.repeat(100)}\r`);
      drawn = false;
    },
  });
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${Math.round(n)} B`;
  const units = ['KiB', 'MiB', 'GiB'];
  let v = n / 1024,
    i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v.toFixed(v < 10 ? 1 : 0)} ${units[i]}`;
}
