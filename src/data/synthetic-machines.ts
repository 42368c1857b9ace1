// Generates machine process rows by the published generation rules of the AI4I 2020 predictive maintenance dataset
// (Matzka 2020, UCI #601), with the same column names, for the demo workspace and tests.
import { Rng } from '../engine/rng.js';

export type ProductType = 'L' | 'M' | 'H';
type Flag = 0 | 1;

/** The column names of the AI4I 2020 dataset, in its order. */
export const AI4I_COLUMNS = [
  'UDI',
  'Product ID',
  'Type',
  'Air temperature [K]',
  'Process temperature [K]',
  'Rotational speed [rpm]',
  'Torque [Nm]',
  'Tool wear [min]',
  'Machine failure',
  'TWF',
  'HDF',
  'PWF',
  'OSF',
  'RNF',
] as const;

/** One process, keyed by the AI4I 2020 column names. */
export interface Ai4iRow {
  UDI: number;
  'Product ID': string;
  Type: ProductType;
  'Air temperature [K]': number;
  'Process temperature [K]': number;
  'Rotational speed [rpm]': number;
  'Torque [Nm]': number;
  'Tool wear [min]': number;
  'Machine failure': Flag;
  TWF: Flag;
  HDF: Flag;
  PWF: Flag;
  OSF: Flag;
  RNF: Flag;
}

/** The same process with snake_case names and only the overall label (what the demo and tests train on). */
export interface MachineRow {
  type: ProductType;
  air_temperature_k: number;
  process_temperature_k: number;
  rotational_speed_rpm: number;
  torque_nm: number;
  tool_wear_min: number;
  machine_failure: Flag;
}

/** Overstrain limits (tool wear × torque, min·Nm) by product quality. */
const OVERSTRAIN_LIMIT = { L: 11000, M: 12000, H: 13000 } as const;
/** Tool wear each process adds, in minutes, by product quality. */
const WEAR_PER_PROCESS = { L: 2, M: 3, H: 5 } as const;
/** Serial numbers continue per-variant counters offset by UDI, in the shape of the dataset's (M14860, L47181, H29424). */
const SERIAL_BASE = { L: 47180, M: 14859, H: 29413 } as const;
/** The power the rotational speed is derived from, and the speed model fitted to AI4I 2020 (see `speedRpm`). */
const POWER_W = 2860;
const SPEED_BASE_RPM = 904;
const TORQUE_OFFSET_NM = 5.5;
const SPEED_NOISE_RPM = 54;
/** At its wear-out time the tool fails 51 of 120 times and is replaced otherwise. */
const TOOL_FAILS = 51 / 120;

/**
 * Processes by the AI4I 2020 rules:
 * - Type L/M/H with probability 50/30/20%; Product ID is the type letter and a serial number.
 * - Air temperature: a random walk normalised to mean 300 K and σ 2 K over the generated rows.
 * - Process temperature: air temperature + 10 K + a second random walk normalised to σ 1 K.
 * - Torque: normal, mean 40 Nm, σ 10 Nm, redrawn when negative.
 * - Rotational speed: the speed at which 2860 W is delivered at the torque (plus a fitted offset, see
 *   `speedRpm`), with normal noise.
 * - Tool wear: the reported wear is the tool's wear at the start of the process; the process then adds 5/3/2 min
 *   for H/M/L. Each tool gets a wear-out time drawn uniformly from 200–240 min; at the process where its wear has
 *   reached that time the tool fails (TWF) with probability 51/120, and either way it is replaced (wear 0).
 * - HDF: process − air temperature < 8.6 K and speed < 1380 rpm. PWF: torque × speed (rad/s) < 3500 W or > 9000 W.
 *   OSF: tool wear × torque > 11,000/12,000/13,000 min·Nm for L/M/H. RNF: probability 0.1% per process.
 * - Machine failure is 1 when any mode is.
 * The rules are applied to the rounded values that are reported, so every flag can be checked from the row.
 */
export function ai4iRows(count: number, seed = 0): Ai4iRow[] {
  if (!Number.isInteger(count) || count < 0) throw new RangeError(`count must be a non-negative integer, got ${count}`);
  const rng = new Rng(seed);
  const air = normalisedWalk(rng, count, 2);
  const gap = normalisedWalk(rng, count, 1);
  const rows: Ai4iRow[] = [];
  let wear = 0;
  let wearOut = newWearOut(rng);
  for (let i = 0; i < count; i++) {
    const udi = i + 1;
    const u = rng.uniform();
    const type: ProductType = u < 0.5 ? 'L' : u < 0.8 ? 'M' : 'H';
    // Temperatures in tenths of a kelvin, so the heat dissipation rule compares exact integers.
    const air10 = Math.round((300 + air[i]!) * 10);
    const process10 = Math.round((310 + air[i]! + gap[i]!) * 10);
    let torqueRaw = rng.normal(40, 10);
    while (torqueRaw < 0) torqueRaw = rng.normal(40, 10);
    const torque10 = Math.round(torqueRaw * 10);
    const torque = torque10 / 10;
    const rpm = Math.round(speedRpm(torque) + rng.normal(0, SPEED_NOISE_RPM));

    const worn = wear >= wearOut;
    const twf = worn && rng.uniform() < TOOL_FAILS;
    const hdf = process10 - air10 < 86 && rpm < 1380;
    const power = (torque * rpm * 2 * Math.PI) / 60;
    const pwf = power < 3500 || power > 9000;
    const osf = wear * torque10 > OVERSTRAIN_LIMIT[type] * 10;
    const rnf = rng.uniform() < 0.001;

    rows.push({
      UDI: udi,
      'Product ID': `${type}${SERIAL_BASE[type] + udi}`,
      Type: type,
      'Air temperature [K]': air10 / 10,
      'Process temperature [K]': process10 / 10,
      'Rotational speed [rpm]': rpm,
      'Torque [Nm]': torque,
      'Tool wear [min]': wear,
      'Machine failure': twf || hdf || pwf || osf || rnf ? 1 : 0,
      TWF: flag(twf),
      HDF: flag(hdf),
      PWF: flag(pwf),
      OSF: flag(osf),
      RNF: flag(rnf),
    });

    if (worn) {
      wear = 0;
      wearOut = newWearOut(rng);
    } else wear += WEAR_PER_PROCESS[type];
  }
  return rows;
}

/** The rows of `ai4iRows` as RFC 4180 CSV (header, CRLF line ends), formatted as the dataset is (one decimal for K and Nm). */
export function ai4iCsv(count: number, seed = 0): string {
  const oneDecimal = new Set<string>(['Air temperature [K]', 'Process temperature [K]', 'Torque [Nm]']);
  const lines = [AI4I_COLUMNS.map(csvField).join(',')];
  for (const row of ai4iRows(count, seed)) {
    lines.push(
      AI4I_COLUMNS.map((c) => {
        const v = row[c];
        return csvField(typeof v === 'number' && oneDecimal.has(c) ? v.toFixed(1) : String(v));
      }).join(','),
    );
  }
  return lines.join('\r\n') + '\r\n';
}

/**
 * The AI4I 2020 processes with snake_case field names and the overall failure label only — the shape the demo,
 * the CLI tests and the service tests train on.
 */
export function syntheticMachineRows(count: number, seed = 0): MachineRow[] {
  return ai4iRows(count, seed).map((r) => ({
    type: r['Type'],
    air_temperature_k: r['Air temperature [K]'],
    process_temperature_k: r['Process temperature [K]'],
    rotational_speed_rpm: r['Rotational speed [rpm]'],
    torque_nm: r['Torque [Nm]'],
    tool_wear_min: r['Tool wear [min]'],
    machine_failure: r['Machine failure'],
  }));
}

/**
 * Mean rotational speed at a torque: a base speed plus the speed at which 2860 W is delivered at the torque
 * (offset by 5.5 Nm so it stays finite near zero torque). The published description says only that speed is
 * "calculated from a power of 2860 W, overlaid with a normally distributed noise"; the base speed, the offset and
 * the noise (σ 54 rpm) are least-squares fits to the published dataset, where they leave a 54 rpm residual.
 */
function speedRpm(torqueNm: number): number {
  return SPEED_BASE_RPM + ((POWER_W / (torqueNm + TORQUE_OFFSET_NM)) * 60) / (2 * Math.PI);
}

/** A Gaussian random walk of `n` steps shifted and scaled to mean 0 and standard deviation `sd`. */
function normalisedWalk(rng: Rng, n: number, sd: number): Float64Array {
  const walk = new Float64Array(n);
  let x = 0;
  for (let i = 0; i < n; i++) {
    x += rng.normal();
    walk[i] = x;
  }
  let mean = 0;
  for (let i = 0; i < n; i++) mean += walk[i]!;
  mean /= n || 1;
  let ss = 0;
  for (let i = 0; i < n; i++) ss += (walk[i]! - mean) ** 2;
  const std = Math.sqrt(ss / (n || 1));
  for (let i = 0; i < n; i++) walk[i] = std > 0 ? ((walk[i]! - mean) / std) * sd : 0;
  return walk;
}

function newWearOut(rng: Rng): number {
  return 200 + rng.int(41);
}

function flag(b: boolean): Flag {
  return b ? 1 : 0;
}

function csvField(s: string): string {
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}
