/**
 * What an error means for the person looking at the page: what happened and what they can do,
 * in plain words. The protocol's code and description stay technical detail, shown only to
 * the developer who owns the client (error-page.ts).
 */
export interface PlainError {
  title: string;
  /** What happened. */
  happened: string;
  /** What the reader can do about it. */
  todo: string;
}

const SERVER: PlainError = {
  title: 'Something went wrong on our side',
  happened: 'We could not finish this request because of a problem on our side. Nothing was changed.',
  todo: 'Try again in a few minutes. If it keeps happening, contact support and quote the reference below.',
};

const BAD_REQUEST: PlainError = {
  title: 'This request could not be completed',
  happened:
    'The app that sent you here made a request we could not accept, so we stopped here for your safety.',
  todo: 'Go back to the app and try again. If it keeps happening, tell the app’s developer.',
};

/** By error code, then refined by the technical description where one code covers several cases. */
export function explain(error: string, description = '', status = 400): PlainError {
  if (/session|cookie not found|expired|interaction/i.test(description) || error === 'form_expired') {
    return {
      title: 'This page has expired',
      happened:
        error === 'form_expired'
          ? 'The form you sent could not be verified: it was open too long, or was sent from another browser tab.'
          : 'Signing in took too long, or started in another browser or tab, so we could not match it to you.',
      todo: 'Go back to the app and start again.',
    };
  }
  switch (error) {
    case 'invalid_redirect_uri':
    case 'redirect_uri_mismatch':
      return {
        title: 'This app sent you from an address it did not register',
        happened:
          'For your safety we did not send you back to it: the address it asked us to return you to is not one its developer registered.',
        todo: 'You have not been signed in to anything. Close this page, or go back to the app and tell its developer.',
      };
    case 'invalid_client':
    case 'unauthorized_client':
      return {
        title: 'This app is not available',
        happened: 'The app that sent you here is unknown to us, or its developer has disabled it.',
        todo: 'You have not been signed in to anything. Try again later, or contact the app’s developer.',
      };
    case 'invalid_scope':
      return {
        title: 'This app asked for access it cannot have',
        happened: 'The app requested permissions that do not exist or that it is not allowed to ask for.',
        todo: 'Go back to the app and tell its developer.',
      };
    case 'access_denied':
      return {
        title: 'Access was not granted',
        happened: 'The request was declined, so the app did not get access to your account.',
        todo: 'Go back to the app if you want to try again.',
      };
    case 'rate_limited':
    case 'slow_down':
      return {
        title: 'Too many attempts',
        happened: 'We received too many requests from here in a short time, so we paused them.',
        todo: 'Wait a few minutes, then start again from the app.',
      };
    case 'temporarily_unavailable':
      return {
        title: 'We are temporarily unavailable',
        happened: 'We could not reach our data just now. Nothing was changed.',
        todo: 'Try again in a minute.',
      };
    case 'not_found':
      return {
        title: 'We could not find that',
        happened: 'It does not exist, or it is not yours to see.',
        todo: 'Check the address, or start again from your settings.',
      };
    case 'forbidden':
      return {
        title: 'You do not have access to this page',
        happened: 'This page is for administrators only.',
        todo: 'If you need access, ask an administrator of your organisation.',
      };
    case 'login_required':
      return {
        title: 'Please sign in',
        happened: 'You need to be signed in to continue.',
        todo: 'Sign in, then start again from the app.',
      };
    case 'server_error':
      return SERVER;
    default:
      return status >= 500 ? SERVER : BAD_REQUEST;
  }
}
