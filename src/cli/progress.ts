// A one-line training progress bar with loss and ETA, drawn on stderr only when it is a terminal.
import type { ProgressEvent } from '../ml/trainer.js';

export function progressBar(stream: NodeJS.WriteStream = process.stderr): (e: ProgressEvent) => void {
  if (!stream.isTTY) return () => {};
  let epochs = 1, stepsPerEpoch = 1, lastLoss = NaN, valLoss: number | undefined;
  const draw = (epoch: number, step: number, eta: number) => {
    const done = Math.min(1, ((epoch - 1) * stepsPerEpoch + step) / (epochs * stepsPerEpoch));
    const width = 30, filled = Math.round(done * width);
    const bar = '█'.repeat(filled) + '░'.repeat(width - filled);
    const val = valLoss !== undefined ? `  val ${valLoss.toFixed(4)}` : '';
    stream.write(`\r${bar} epoch ${epoch}/${epochs}  loss ${lastLoss.toFixed(4)}${val}  eta ${formatEta(eta)}   `);
  };
  return (e) => {
    if (e.type === 'start') { epochs = e.epochs; stepsPerEpoch = Math.max(1, e.stepsPerEpoch); }
    else if (e.type === 'step') { lastLoss = e.loss; draw(e.epoch, e.step, e.etaSeconds); }
    else if (e.type === 'epoch') { lastLoss = e.trainLoss; valLoss = e.validationLoss; draw(e.epoch, stepsPerEpoch, e.etaSeconds); }
    else if (e.type === 'end') stream.write(`\r${' '.repeat(90)}\r`);
  };
}

function formatEta(s: number): string {
  if (!Number.isFinite(s)) return '?';
  const m = Math.floor(s / 60), r = Math.round(s % 60);
  return m ? `${m}m${String(r).padStart(2, '0')}s` : `${r}s`;
}
