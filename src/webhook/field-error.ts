/** One failing field of a request, as listed in a 400 VALIDATION_ERROR response (seed 2.1). */
export interface FieldError {
  field: string;
  message: string;
  /** The value received; null when the field is missing. Secrets are never echoed. */
  value: unknown;
}
