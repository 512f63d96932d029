import type { Flag } from '../../shared/protocol';

/** One sample of a lasting condition: whether it holds now, what was measured, and what to say. */
export interface Observation {
  /** The condition's identity within the run (kind + layer). */
  key: string;
  kind: Flag['kind'];
  severity: Flag['severity'];
  layer?: string;
  hit: boolean;
  value: number;
  /** Whether a larger `value` is further past the threshold (exploding) or a smaller one (vanishing). */
  higherIsWorse: boolean;
  /** What to say, built only when the condition holds (most samples of most runs hit nothing). */
  message: () => string;
}

/** Consecutive samples a condition must hold to open an episode, and be clear to close it. */
export const HYSTERESIS = { open: 3, close: 3 } as const;

interface Pending {
  streak: number;
  misses: number;
  first: number;
  worst: number;
  message: string;
  flag: Flag | null;
}

/**
 * Turns per-sample conditions into episodes: an episode opens once its condition held for
 * `HYSTERESIS.open` consecutive samples and closes after `HYSTERESIS.close` consecutive clear
 * ones, so a condition that flickers around its threshold is one entry, not one per crossing.
 * `observe` returns the flags to send: the open event, and the closing one (same episode id).
 */
export class FlagEpisodes {
  private readonly states = new Map<string, Pending>();
  private opened = 0;

  observe(observations: readonly Observation[], iteration: number): Flag[] {
    const out: Flag[] = [];
    for (const o of observations) {
      let st = this.states.get(o.key);
      if (!st) {
        st = { streak: 0, misses: 0, first: iteration, worst: o.value, message: '', flag: null };
        this.states.set(o.key, st);
      }
      if (o.hit) {
        st.misses = 0;
        if (st.streak === 0 && !st.flag) {
          st.first = iteration;
          st.worst = o.value;
          st.message = o.message();
        } else if (o.higherIsWorse ? o.value > st.worst : o.value < st.worst) {
          st.worst = o.value;
          st.message = o.message();
        }
        st.streak++;
        if (st.flag) {
          const e = st.flag.episode!;
          st.flag = { ...st.flag, message: st.message, episode: { ...e, count: e.count + 1, lastIteration: iteration, worst: st.worst } };
        } else if (st.streak >= HYSTERESIS.open) {
          st.flag = {
            kind: o.kind, severity: o.severity, message: st.message, iteration: st.first, layer: o.layer,
            episode: { id: `${o.key}#${++this.opened}`, state: 'open', count: st.streak, firstIteration: st.first, lastIteration: iteration, worst: st.worst },
          };
          out.push(st.flag);
        }
      } else {
        st.streak = 0;
        if (st.flag && ++st.misses >= HYSTERESIS.close) {
          out.push({ ...st.flag, episode: { ...st.flag.episode!, state: 'closed' } });
          st.flag = null;
          st.misses = 0;
        }
      }
    }
    return out;
  }

  /** The episodes still open when the run ends, with their final counts (state stays 'open': they held to the end). */
  finish(): Flag[] {
    const out: Flag[] = [];
    for (const st of this.states.values()) if (st.flag) out.push(st.flag);
    return out;
  }
}
