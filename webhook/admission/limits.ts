/**
 * The admission core's up-front size limits (issue 13; docs/security.md "Limits"). Each bounds
 * the work and the answer for one kind of input, so admission stays linear in the pod and an
 * oversize input is denied at once with the limit named, before any lookup or mutation. The HTTP
 * body limit (4 MiB, webhook/server/app.ts BODY_LIMIT_BYTES) bounds the pod as a whole.
 */

/**
 * Longest value of one of our annotations, in characters. The longest valid `external-secrets`
 * is MAX_EXTERNAL_SECRETS names of 253 characters plus commas (25,399); every other annotation is
 * far shorter. The API server caps all annotations of an object at 256 KiB together
 * (apimachinery TotalAnnotationSizeLimitB), but only in validation, after mutating admission.
 */
export const MAX_ANNOTATION_CHARS = 32 * 1024;

/**
 * Most ExternalSecrets one pod may name. Each becomes a folder, a lookup and its fetches on every
 * refresh; a hundred is far beyond any real pod, and keeps the injector config well inside
 * MAX_INJECTOR_CONFIG_BYTES for ordinary ExternalSecrets.
 */
export const MAX_EXTERNAL_SECRETS = 100;

/**
 * Largest injector config, in bytes of JSON. It travels in one environment variable, and Linux
 * refuses to exec a process with an argument or environment string over MAX_ARG_STRLEN (32 pages,
 * 131,072 bytes, include/uapi/linux/binfmts.h) with E2BIG, so a larger config would leave the
 * injector containers unable to start; the `SECRET_INJECTOR_CONFIG=` prefix and the NUL count too.
 */
export const MAX_INJECTOR_CONFIG_BYTES = 131_072 - 'SECRET_INJECTOR_CONFIG='.length - 1;

/**
 * Most containers (init, app and ephemeral together) and most volumes of a pod the webhook
 * injects. Kubernetes sets no such limit, but a pod near either is not a real workload: the
 * largest body the API server accepts (3 MiB) holds about 54,000 bare containers or 95,000
 * volumes, whose patch alone (one mount per container) would be 12 MB. Denying such a pod up
 * front, from the lists' lengths, keeps every admission of an accepted body under 100 ms
 * (docs/benchmarks.md, "Admission scaling"); below the limits the work is linear.
 */
export const MAX_POD_CONTAINERS = 1000;
export const MAX_POD_VOLUMES = 1000;

/**
 * Largest total of the pod's annotations (keys and values, in bytes): the API server's own limit
 * (apimachinery/pkg/api/validation TotalAnnotationSizeLimitB = 256 KiB), which it checks only in
 * validation, after mutating admission. A larger pod would be refused anyway; refusing it first
 * spares the webhook the work (the patch walks every annotation key, since it adds the status
 * annotation).
 */
export const MAX_ANNOTATIONS_BYTES = 256 * 1024;

/** Most problems a denial lists before "… and N more" (the count is always exact). */
export const MAX_LISTED_PROBLEMS = 10;
