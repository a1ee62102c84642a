/** The file-name rule lives in contract/ so the webhook can refuse a bad name at admission (issue 17). */
export { isValidSecretKey, MAX_SECRET_KEY_LENGTH, secretKeyProblem } from '../../contract/secret-key.ts';
