import { formatValue } from './format-value.ts';

/** A path inside a document: property names and array indices, e.g. `['spec', 'input', 'topics', 0]`. */
export type FieldPath = readonly (string | number)[];

export type Severity = 'error' | 'warning';

/**
 * One finding about one field of one input document. The value is rendered when the finding is
 * made and never for `secret` findings, so no formatter can leak a credential.
 */
export interface Diagnostic {
  readonly severity: Severity;
  readonly path: FieldPath;
  /** What is wrong or what happens, naming the rule and where it comes from. */
  readonly rule: string;
  /** The offending value as shown to the user (JSON), when there is one and it may be shown. */
  readonly shown?: string;
  readonly secret: boolean;
}

export interface DiagnosticInit {
  readonly path: FieldPath;
  readonly rule: string;
  /** Pass the offending value to show it; omit the property for "missing" findings. */
  readonly value?: unknown;
  /** The value is (or may be) a credential: say so instead of showing it. */
  readonly secret?: boolean | undefined;
}

/** Collects the findings of one document; the translator never throws for bad input. */
export class Diagnostics {
  readonly items: Diagnostic[] = [];

  error(init: DiagnosticInit): void {
    this.add('error', init);
  }

  warning(init: DiagnosticInit): void {
    this.add('warning', init);
  }

  get hasErrors(): boolean {
    return this.items.some((d) => d.severity === 'error');
  }

  private add(severity: Severity, init: DiagnosticInit): void {
    const secret = init.secret === true;
    const show = 'value' in init && !secret;
    this.items.push({
      severity,
      path: init.path,
      rule: init.rule,
      secret,
      ...(show ? { shown: formatValue(init.value) } : {}),
    });
  }
}
