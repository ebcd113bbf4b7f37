import { byPrice } from '../gpu/allow-list.js';
import type { GpuSpec } from '../gpu/gpu-spec.js';
import { baseModelId } from './base-model-id.js';
import { checkFit, DEFAULT_MEMORY_UTILIZATION, largestContext, usableBytesPerGpu, type FitOptions, type FitReport, type TaskType } from './check-fit.js';
import { roundGb, type TrainingMethod } from './memory-estimate.js';
import { MODEL_FACTS, type ModelFacts } from './model-facts.js';
import { overrideKey, parseDefaultGpu, parseGpuList, type ModelOverride } from './model-override.js';

export type { TaskType } from './check-fit.js';

export interface CatalogModel {
  /** Canonical id: the built-in spelling, or the config key for a model config added. */
  readonly id: string;
  /** Absent for a model config added with GPU lists only: its size is unknown. */
  readonly facts?: ModelFacts;
  /** Specs the model may serve on, cheapest first. */
  readonly inferenceGpus: readonly GpuSpec[];
  /** Specs the model may be fine-tuned on, cheapest first. */
  readonly trainingGpus: readonly GpuSpec[];
  /**
   * The cheapest inference spec unless config names one. `undefined` when no spec is
   * allowed: the model stays listed (so callers learn why) rather than failing start-up.
   */
  readonly defaultGpu: GpuSpec | undefined;
}

export interface ModelCatalogOptions {
  /** Specs the deployment offers at all (`buildAllowList` from ../gpu/). */
  readonly allowList: readonly GpuSpec[];
  /** The config's `models` map, keyed by model id (any case). */
  readonly models?: Readonly<Record<string, ModelOverride>>;
  /** Context each sequence is sized for when deciding inference specs. @default 8192 */
  readonly contextTokens?: number;
  /** Fine-tuning method training specs are sized for. @default 'lora' */
  readonly trainingMethod?: TrainingMethod;
  /** Share of each GPU's memory a model may use (`gpus.memory_utilization`). @default 0.9 */
  readonly memoryUtilization?: number;
}

/** What a fit is checked for, beyond the task: each defaults to the catalog's own. */
export interface FitQuery {
  readonly method?: TrainingMethod;
  readonly contextTokens?: number;
}

/**
 * Which GPU specs each model may use. A spec is allowed when it is in the allow-list,
 * the memory estimate fits and (for inference) the attention heads divide by the GPU
 * count; config can replace either list outright. Everything is decided at construction
 * and config errors throw naming their key, so lookups per request are map reads.
 */
export class ModelCatalog {
  readonly #allowList: readonly GpuSpec[];
  readonly #contextTokens: number;
  readonly #trainingMethod: TrainingMethod;
  readonly #memoryUtilization: number;
  readonly #models = new Map<string, CatalogModel>();
  /** Tasks whose GPU list came from config rather than the estimate, per model. */
  readonly #configuredTasks = new WeakMap<CatalogModel, ReadonlySet<TaskType>>();

  constructor(options: ModelCatalogOptions) {
    this.#allowList = options.allowList;
    this.#contextTokens = options.contextTokens ?? 8192;
    this.#trainingMethod = options.trainingMethod ?? 'lora';
    this.#memoryUtilization = options.memoryUtilization ?? DEFAULT_MEMORY_UTILIZATION;

    const overrides = new Map<string, { configId: string; override: ModelOverride }>();
    for (const [configId, override] of Object.entries(options.models ?? {})) {
      const lookupKey = configId.toLowerCase();
      if (overrides.has(lookupKey)) throw new Error(`${overrideKey(configId)}: the same model is configured twice (ids ignore case)`);
      if (baseModelId(configId) !== configId) {
        throw new Error(`${overrideKey(configId)}: configure the base model ${baseModelId(configId)}; fine-tuned ids follow their base model's rules`);
      }
      overrides.set(lookupKey, { configId, override });
    }

    for (const facts of MODEL_FACTS) {
      const entry = overrides.get(facts.id.toLowerCase());
      this.#add(this.#build(facts.id, facts, entry?.configId ?? facts.id, entry?.override ?? {}));
    }
    for (const [lookupKey, { configId, override }] of overrides) {
      if (this.#models.has(lookupKey)) continue;
      if (!override.facts && !override.inference_gpus) {
        throw new Error(`${overrideKey(configId)}: ${configId} is not a built-in model, so it needs "facts" (to size it) or "inference_gpus" (to list its GPUs)`);
      }
      this.#add(this.#build(configId, undefined, configId, override));
    }
  }

  /** Case-insensitive; fine-tune ids (`ft:BASE:suffix`) resolve to their base model. */
  resolve(requestedId: string): CatalogModel | undefined {
    return this.#models.get(baseModelId(requestedId).toLowerCase());
  }

  /** Built-in models first, then the ones config added, in config order. */
  list(): readonly CatalogModel[] {
    return [...this.#models.values()];
  }

  /** Context each inference spec is sized for unless a call says otherwise, tokens. */
  get contextTokens(): number {
    return this.#contextTokens;
  }

  /** Fine-tuning method training specs are sized for. */
  get trainingMethod(): TrainingMethod {
    return this.#trainingMethod;
  }

  /**
   * The specs `model` may use for `task`, cheapest first; at another context than the
   * catalog's, the estimate is applied again (a list config set stays as written).
   */
  allowedGpus(model: CatalogModel, task: TaskType, contextTokens: number = this.#contextTokens): readonly GpuSpec[] {
    const listed = task === 'inference' ? model.inferenceGpus : model.trainingGpus;
    if (task === 'training' || contextTokens === this.#contextTokens || this.#configuredTasks.get(model)?.has(task)) return listed;
    return this.#computeAllowed(model.facts, task, contextTokens);
  }

  /**
   * The longest context `model` can be served with on `spec` by the estimate, capped at
   * the model's maximum; `undefined` without size facts.
   */
  maxContextTokens(model: CatalogModel, spec: GpuSpec): number | undefined {
    return model.facts ? largestContext(model.facts, spec, this.#memoryUtilization) : undefined;
  }

  /**
   * Whether `model` may use `spec` for `task`, and if not, why. It agrees with
   * {@link allowedGpus} for the catalog's training method. A list config set is the
   * operator's decision and is followed as written (the estimate is still reported);
   * otherwise the spec must be in the allow-list and pass the estimate.
   */
  fits(model: CatalogModel, spec: GpuSpec, task: TaskType, query: FitQuery = {}): FitReport {
    const estimate = model.facts ? checkFit(model.facts, spec, this.#fitOptions(task, query.method, query.contextTokens)) : undefined;
    const reasons = this.#configuredTasks.get(model)?.has(task) ? this.#configuredReasons(model, spec, task) : this.#computedReasons(model, spec, task, estimate);
    const usable = usableBytesPerGpu(spec, this.#memoryUtilization);
    return {
      fits: reasons.length === 0,
      requiredGb: estimate?.requiredGb,
      availableGb: estimate?.availableGb ?? roundGb((usable * spec.count) / 1e9),
      perGpu: estimate?.perGpu ?? { requiredGb: undefined, availableGb: roundGb(usable / 1e9) },
      reasons,
    };
  }

  #fitOptions(task: TaskType, method = this.#trainingMethod, contextTokens = this.#contextTokens): FitOptions {
    return { task, method, contextTokens, memoryUtilization: this.#memoryUtilization };
  }

  #configuredReasons(model: CatalogModel, spec: GpuSpec, task: TaskType): string[] {
    const listed = this.allowedGpus(model, task);
    if (listed.some((candidate) => candidate.canonical === spec.canonical)) return [];
    return [`config limits ${model.id} to its ${task}_gpus: ${listed.map((s) => s.canonical).join(', ') || 'none'}`];
  }

  #computedReasons(model: CatalogModel, spec: GpuSpec, task: TaskType, estimate: FitReport | undefined): string[] {
    if (!estimate) return [`${model.id} has no size facts and no ${task}_gpus configured, so no GPU can be checked for ${task}`];
    const inAllowList = this.#allowList.some((candidate) => candidate.canonical === spec.canonical);
    return [...(inAllowList ? [] : [`${spec.canonical} is not in this gateway's GPU allow-list`]), ...estimate.reasons];
  }

  #add(model: CatalogModel): void {
    this.#models.set(model.id.toLowerCase(), model);
  }

  #build(id: string, builtInFacts: ModelFacts | undefined, configId: string, override: ModelOverride): CatalogModel {
    const key = overrideKey(configId);
    const facts = override.facts ? { ...override.facts, id } : builtInFacts;
    const inferenceGpus = override.inference_gpus
      ? parseGpuList(override.inference_gpus, `${key}.inference_gpus`)
      : this.#computeAllowed(facts, 'inference', this.#contextTokens);
    const trainingGpus = override.training_gpus
      ? parseGpuList(override.training_gpus, `${key}.training_gpus`)
      : this.#computeAllowed(facts, 'training', this.#contextTokens);
    const defaultGpu =
      override.default_gpu !== undefined ? parseDefaultGpu(override.default_gpu, `${key}.default_gpu`, inferenceGpus) : inferenceGpus[0];
    const model: CatalogModel = Object.freeze({
      id,
      ...(facts && { facts: Object.freeze(facts) }),
      inferenceGpus: Object.freeze(inferenceGpus),
      trainingGpus: Object.freeze(trainingGpus),
      defaultGpu,
    });
    const configured = new Set<TaskType>();
    if (override.inference_gpus) configured.add('inference');
    if (override.training_gpus) configured.add('training');
    this.#configuredTasks.set(model, configured);
    return model;
  }

  #computeAllowed(facts: ModelFacts | undefined, task: TaskType, contextTokens: number): GpuSpec[] {
    if (!facts) return [];
    const options = this.#fitOptions(task, this.#trainingMethod, contextTokens);
    return this.#allowList.filter((spec) => checkFit(facts, spec, options).fits).sort(byPrice);
  }
}
