/** include_tasks at run time: the files each host brings in, and loading one of them. */
import path from 'node:path';
import type { IncludeNode, Node, TaskNode } from '../playbook/model.js';
import { TaskParser } from '../playbook/tasks.js';
import { templateValue } from '../template/index.js';
import { ProblemList, loadYamlFile, type YamlDoc } from '../yaml/index.js';
import { whenHolds } from './conditions.js';
import { resolveLoop } from './loop.js';

export interface IncludeRun {
  file: string;
  /** The loop variables of this run (include_tasks with a loop). */
  extra?: Record<string, unknown>;
}

/** The variables of a task on the host, with extra variables (loop variables) on top. */
export type VarsFor = (inh: TaskNode['inh'], extra?: Record<string, unknown>) => Record<string, unknown>;

/** For one host, the files an include brings in: one per loop item (whose `when` holds), or one. */
export function includeRuns(node: IncludeNode, varsFor: VarsFor): IncludeRun[] {
  const vars = varsFor(node.inh);
  const fileOf = (v: Record<string, unknown>): string => path.resolve(node.baseDir, String(templateValue(node.file, v)));
  if (!node.loop) return whenHolds(node.inh.when, vars) ? [{ file: fileOf(vars) }] : [];
  const loop = node.loop;
  const runs: IncludeRun[] = [];
  resolveLoop(loop, vars).forEach((item, i) => {
    const extra: Record<string, unknown> = { [loop.loopVar]: item, ansible_loop_var: loop.loopVar, ...(loop.indexVar ? { [loop.indexVar]: i } : {}) };
    const iv = varsFor(node.inh, extra);
    if (whenHolds(node.inh.when, iv)) runs.push({ file: fileOf(iv), extra });
  });
  return runs;
}

/** The tasks of an included file, or the problems that file has (formatted, for the hosts' failure). */
export async function loadIncluded(node: IncludeNode, file: string): Promise<{ nodes: Node[] } | { problems: string }> {
  if (node.preloaded) return { nodes: node.preloaded };
  const problems = new ProblemList();
  const parser = new TaskParser({ problems, rolesPath: [], yaml: async (f: string): Promise<YamlDoc | undefined> => loadYamlFile(f) });
  const nodes = (await parser.loadTaskFile(file, { doc: undefined as unknown as YamlDoc, baseDir: node.baseDir, inh: node.inh, isHandler: false, section: 'tasks' }, { ...node.inh, when: [] }, node.pos)) ?? [];
  return problems.hasErrors ? { problems: problems.format() } : { nodes };
}
