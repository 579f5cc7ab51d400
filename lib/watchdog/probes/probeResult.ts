/** What one probe of the outside world found. */
export interface ProbeResult {
  ok: boolean;
  detail: string;
}
