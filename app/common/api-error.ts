/** The API's error as it crosses a transport (app/common: loaded by the UI, the shell and the core). */

/** Error as it crosses a transport: status 400 invalid request, 409 no project, 422 user error, 500 bug. */
export class ApiError extends Error {
  readonly status: number;
  constructor(status: number, message: string) {
    super(message);
    this.name = "ApiError";
    this.status = status;
  }
}
