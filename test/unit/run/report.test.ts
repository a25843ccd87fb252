import { describe, expect, it } from 'vitest';
import { changeInWords, reportPage, summaryNotes } from '../../../src/run/report.ts';

describe('run report', () => {
  it('report - a change in words: direction, points, a 95% interval, and "no clear change" when it holds 0', () => {
    expect(changeInWords('Accuracy on easy', 0.9, 0.95, 1024)).toBe('Accuracy on easy: 90.0% → 95.0%, +5.0 points (95% interval +2.7 to +7.3; 1024 samples each): improved.');
    expect(changeInWords('x', 0.95, 0.9, 1024)).toMatch(/−5\.0 points \(95% interval −7\.3 to −2\.7;.*got worse\.$/);
    expect(changeInWords('x', 0.5, 0.52, 100)).toMatch(/\+2\.0 points \(95% interval −11\.9 to \+15\.9;.*no clear change\.$/);
  });

  it('report - notes say how the run ended, each split before → after, the groups, refreshes and requests', () => {
    const notes = summaryNotes({
      run: 'r',
      steps: 30,
      seconds: 600,
      learnerExitCode: 0,
      refreshes: [{ cause: 'drift' }, { cause: 'drift' }, { cause: 'low-reward-std' }],
      groups: { prefix: { groups: 180, informativeShare: 0.8, meanRewardStd: 0.41 }, original: { groups: 60, informativeShare: 0.1, meanRewardStd: 0.05 } },
      requests: { sent: 10, completed: 10, lost: 0, deadLettered: 0 },
      accuracy: { before: { easy: { questions: 256, samplesPerQuestion: 4, accuracy: 0.9, misleadingAccuracy: 0.2 } }, after: { easy: { questions: 256, samplesPerQuestion: 4, accuracy: 0.91, misleadingAccuracy: 0.3 } } },
    });
    expect(notes[0]).toBe('The run finished after 30 learner steps in 10.0 min.');
    expect(notes[1]).toMatch(/^Accuracy on easy: 90\.0% → 91\.0%/);
    expect(notes[2]).toMatch(/^Accuracy on easy from a misleading start: 20\.0% → 30\.0%, \+10\.0 points .*improved\.$/);
    expect(notes).toContain('Training signal: prefix groups (180) had mean reward std 0.410, 80.0% informative; original groups (60) had mean reward std 0.050, 10.0% informative.');
    expect(notes).toContain('Refreshes: 2 × drift, 1 × low-reward-std.');
    expect(summaryNotes({ run: 'r', interrupted: true })).toContain('No before/after evaluation (skipped, or the run stopped before it).');
  });

  it('report - the page is static: records and notes inside, no event stream opened, NaN as null', () => {
    const html = reportPage({ run: 'r<1', steps: 1, learnerExitCode: 0 }, [{ v: 1, type: 'metrics.record', id: 'a', ts: 1, name: 'learner', step: 1, values: { rewardMean: Number.NaN } }]);
    const config = JSON.parse(/const CONFIG = (.*);\n/.exec(html)![1]!);
    expect(config).toMatchObject({ run: 'r<1', finished: true, records: [{ name: 'learner', values: { rewardMean: null } }] });
    expect(config.notes[0]).toBe('The run finished after 1 learner steps.');
    expect(html).not.toContain('r<1');
  });
});
