// Generates machine sensor rows with failures by the rules documented for the AI4I 2020 dataset, for demos and tests.
import { Rng } from '../engine/rng.js';

export interface MachineRow {
  type: 'L' | 'M' | 'H';
  air_temperature_k: number;
  process_temperature_k: number;
  rotational_speed_rpm: number;
  torque_nm: number;
  tool_wear_min: number;
  machine_failure: 0 | 1;
}

/** Overstrain limits (tool wear × torque, min·Nm) by product quality, as in AI4I 2020. */
const OVERSTRAIN_LIMIT = { L: 11000, M: 12000, H: 13000 } as const;

/**
 * Rows whose failure label follows AI4I 2020's failure modes: heat dissipation (small temperature gap at low
 * speed), power (mechanical power outside 3.5–9 kW), overstrain, tool wear (worn tools fail at random), and a
 * 0.1% random failure — so a model has real structure to learn and rare positives, as in a factory.
 */
export function syntheticMachineRows(count: number, seed = 0): MachineRow[] {
  const rng = new Rng(seed);
  const rows: MachineRow[] = [];
  for (let i = 0; i < count; i++) {
    const u = rng.uniform();
    const type = u < 0.6 ? 'L' : u < 0.9 ? 'M' : 'H';
    const air = rng.normal(300, 2);
    const process = air + 10 + rng.normal(0, 1);
    const rpm = Math.max(1168, rng.normal(1540, 180));
    const torque = Math.max(3.8, rng.normal(40, 8));
    const wear = Math.floor(rng.range(0, 250));
    const power = torque * rpm * 2 * Math.PI / 60;
    const heat = process - air < 8.6 && rpm < 1380;
    const powerFailure = power < 3500 || power > 9000;
    const overstrain = wear * torque > OVERSTRAIN_LIMIT[type];
    const toolWear = wear >= 200 && rng.uniform() < 0.1;
    const random = rng.uniform() < 0.001;
    rows.push({
      type,
      air_temperature_k: round(air, 1),
      process_temperature_k: round(process, 1),
      rotational_speed_rpm: Math.round(rpm),
      torque_nm: round(torque, 1),
      tool_wear_min: wear,
      machine_failure: heat || powerFailure || overstrain || toolWear || random ? 1 : 0,
    });
  }
  return rows;
}

function round(v: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(v * f) / f;
}
