// The page's entry point (index.html loads it as a module): the language, the chat state, the
// session over WebSocket to the page's own host, and the UI that joins them.

import { pickLang, setLang, STORAGE_KEY } from "./i18n.js";
import { ChatState } from "./state.js";
import { Session, webSocketTransport, wsUrl } from "./session.js";
import { stored, UI } from "./ui.js";

setLang(pickLang(stored(STORAGE_KEY), navigator.languages?.length ? navigator.languages : [navigator.language]));

const state = new ChatState();
const session = new Session(state, { transport: webSocketTransport(wsUrl(window.location)) });
const ui = new UI(state, session);

// For the browser tests and for curious people with a console: read-only looks at the chat.
window.charla = { state, session, ui };
