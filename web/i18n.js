// Every word the page says, in English and Spanish: one table per language with the same keys
// (web/tests/i18n.test.js checks that, and that both use the same {placeholders}). A value is
// a string with {name} placeholders, or, where a number decides the form, an object of
// Intl.PluralRules categories ({ one, other }) whose strings use {n}. Numbers, times and
// durations are formatted for the language with Intl.
//
// Text from other people (names, topics, reasons) only ever fills a placeholder: tParts()
// returns it as its own part, for the page to put in a text node.

const en = {
  appTitle: "charla",
  skipToInput: "Skip to the message box",
  loginTitle: "Join the chat",
  loginIntro: "Pick a name and you are in #lobby with everyone else.",
  nameLabel: "Your name",
  passwordLabel: "Password (only if your name is registered)",
  nameRules: "1 to 32 characters, no spaces, “:” or “,”. It cannot start with # / @ + * ! - or [, cannot contain ! @ * or ?, and cannot be pm, server or you. Ana and ana are the same name.",
  enter: "Enter",
  connectingTo: "Connecting…",
  panelToggle: "Rooms and conversations",
  membersToggle: "Members",
  serverButton: "Server",
  langLabel: "Language",
  yourRooms: "Your rooms",
  conversations: "Conversations",
  noConversations: "Click a name to talk privately.",
  otherRooms: "Other rooms",
  noOtherRooms: "No other rooms yet.",
  joinLabel: "Join or create a room",
  joinPlaceholder: "#room",
  joinButton: "Join",
  joinRoom: "Join {room}",
  members: "Members",
  leave: "Leave",
  leaveRoom: "Leave {room}",
  closeConversation: "Close the conversation with {nick}",
  messageLabel: "Message",
  messageTo: "Message {target}",
  send: "Send",
  serverBuffer: "Server messages",
  privateWith: "Private conversation with {nick}",
  pmButton: "Send {nick} a private message",
  you: "you",
  bot: "bot",
  away: "away",
  sending: "sending…",
  notDelivered: "not delivered",
  roomUsers: { one: "{n} person", other: "{n} people" },
  unread: { one: "{n} unread message", other: "{n} unread messages" },
  unreadMentions: { one: "{n} message for you", other: "{n} messages for you" },
  memberCount: { one: "{n} member", other: "{n} members" },
  statsTitle: "Server",
  statsServer: "Server",
  statsVersion: "Version",
  statsOnline: "People online",
  statsRooms: "Rooms",
  statsRate: "Messages per second",
  statsTotal: "Messages since start",
  statsUptime: "Up for",
  statsWaiting: "—",
  statsError: "The server's figures are not available right now.",
  statsPeople: "People in the chat",
  statsNodes: "Nodes",
  statsWhole: "the chat is whole",
  statsSplit: "split: this server lost its link to the other nodes",
  statsThisNode: "(this node)",
  close: "Close",
  switcherTitle: "Go to a room or conversation",
  switcherLabel: "Room or name",
  switcherHint: "Type to filter; Enter goes there, Escape closes.",
  keysHint: "Enter sends · Tab completes a name · Alt+↑/↓ or Ctrl+K switch rooms",
  reconnectNow: "Reconnect now",
  enterAgain: "Enter again",
  statusConnecting: "Connecting…",
  statusRegistering: "Signing in…",
  statusOnline: "Connected as {nick}",
  statusWaiting: "Connection lost. Reconnecting in {s} s…",
  statusReconnecting: "Connection lost. Reconnecting…",
  statusLeft: "You left the chat.",
  statusIdle: "Not connected",
  reconnected: "Reconnected. You are back in {rooms}.",
  reconnectedNoRooms: "Reconnected.",
  connectionLost: "Connection lost; reconnecting…",
  nameInvalid: "The server does not accept the name {nick}.",
  nameTaken: "The name {nick} is taken; pick another.",
  connectFailed: "Could not reach the chat server. Check the address and try again.",
  loginFailed: "Wrong password for {nick}, or {nick} is not a registered name.",
  saslFailed: "The server could not log you in as {nick}. Try again.",
  saslFailedOnReturn: "Could not log in as {nick} again: you are connected without your account.",
  saslUnavailable: "This server does not take passwords: you are in without an account.",
  nameEmpty: "Type a name first.",
  nameTooLong: "It is longer than {n} characters.",
  nameSpace: "It has a space.",
  nameInvisible: "It has an invisible or control character.",
  nameBadStart: "It cannot start with “{ch}”.",
  nameBadChar: "It cannot contain “{ch}”.",
  nameReserved: "That word is reserved.",
  nickInvalid: "The name {nick} is not allowed.",
  nickTaken: "The name {nick} is taken.",
  nickTakenOnReturn: "Your name {nick} was still taken when reconnecting; you are {alt} for now.",
  join: "{nick} joined",
  joinSelf: "You joined {room}",
  rejoinSelf: "You are back in {room}",
  loadEarlier: "Load earlier messages",
  loadingEarlier: "Loading earlier messages…",
  liveStart: "Earlier messages above; from here on, live",
  part: "{nick} left",
  partReason: "{nick} left ({reason})",
  quit: "{nick} quit",
  quitReason: "{nick} quit ({reason})",
  kick: "{by} removed {nick}",
  kickReason: "{by} removed {nick} ({reason})",
  kickSelf: "{by} removed you from this room",
  kickSelfReason: "{by} removed you from this room ({reason})",
  nick: "{old} is now known as {new}",
  nickSelf: "You are now known as {new}",
  topic: "{nick} set the topic: {text}",
  topicCleared: "{nick} cleared the topic",
  topicIs: "Topic: {text}",
  noTopic: "No topic",
  mode: "{nick} set modes {modes}",
  roomModes: "Modes of {room}: {modes}",
  serverError: "The server closed the connection: {text}",
  notInChat: "Pick a room or a conversation first.",
  notConnected: "Not connected right now; wait a moment.",
  usageJoin: "Usage: /join #room",
  usagePart: "Usage: /part #room [reason]",
  usageNick: "Usage: /nick new-name",
  usageMe: "Usage: /me does something",
  usageMsg: "Usage: /msg name message",
  usageQuery: "Usage: /query name",
  usageTopic: "Usage: /topic #room [new topic]",
  help: "Commands:\n/join #room: join or create a room\n/part [reason]: leave this room\n/msg name text: a private message\n/me text: an action (“* you text”)\n/nick name: change your name\n/topic [text]: see or set the room's topic\n/close: close this conversation\n/quit: leave the chat\nAsk the assistant with “gpt: question” in a room, or privately with /msg gpt question.",
  err401: "There is nobody called {target}.",
  err403: "There is no room {target}.",
  err404: "You cannot write in {target} now (you may need to join it, or it is moderated).",
  err405: "You are in too many rooms; leave one first.",
  err406: "There was nobody called {target}.",
  err412: "There was nothing to send.",
  err421: "Unknown command: {target}",
  err441: "{target} is not in that room.",
  err442: "You are not in {target}.",
  err443: "{target} is in that room already.",
  err461: "That command needs more parameters: {target}",
  err471: "{target} is full.",
  err473: "{target} is by invitation only.",
  err474: "You are banned from {target}.",
  err475: "{target} needs a key: /join {target} KEY",
  err481: "Only server operators can do that.",
  err482: "Only the room's operators can do that in {target}.",
  durDays: { one: "{n} day", other: "{n} days" },
  durHours: "{n} h",
  durMinutes: "{n} min",
  durSeconds: "{n} s",
  durJoin: "{a} {b}",
  listJoin: ", ",
};

const es = {
  appTitle: "charla",
  skipToInput: "Ir al cuadro de mensaje",
  loginTitle: "Entra en el chat",
  loginIntro: "Elige un nombre y estarás en #lobby con todos los demás.",
  nameLabel: "Tu nombre",
  passwordLabel: "Contraseña (solo si tu nombre está registrado)",
  nameRules: "De 1 a 32 caracteres, sin espacios, “:” ni “,”. No puede empezar por # / @ + * ! - ni [, no puede contener ! @ * ni ?, y no puede ser pm, server ni you. Ana y ana son el mismo nombre.",
  enter: "Entrar",
  connectingTo: "Conectando…",
  panelToggle: "Salas y conversaciones",
  membersToggle: "Miembros",
  serverButton: "Servidor",
  langLabel: "Idioma",
  yourRooms: "Tus salas",
  conversations: "Conversaciones",
  noConversations: "Pulsa un nombre para hablar en privado.",
  otherRooms: "Otras salas",
  noOtherRooms: "Aún no hay otras salas.",
  joinLabel: "Entra en una sala o créala",
  joinPlaceholder: "#sala",
  joinButton: "Entrar",
  joinRoom: "Entrar en {room}",
  members: "Miembros",
  leave: "Salir",
  leaveRoom: "Salir de {room}",
  closeConversation: "Cerrar la conversación con {nick}",
  messageLabel: "Mensaje",
  messageTo: "Mensaje para {target}",
  send: "Enviar",
  serverBuffer: "Mensajes del servidor",
  privateWith: "Conversación privada con {nick}",
  pmButton: "Enviar un mensaje privado a {nick}",
  you: "tú",
  bot: "bot",
  away: "ausente",
  sending: "enviando…",
  notDelivered: "no entregado",
  roomUsers: { one: "{n} persona", other: "{n} personas" },
  unread: { one: "{n} mensaje sin leer", other: "{n} mensajes sin leer" },
  unreadMentions: { one: "{n} mensaje para ti", other: "{n} mensajes para ti" },
  memberCount: { one: "{n} miembro", other: "{n} miembros" },
  statsTitle: "Servidor",
  statsServer: "Servidor",
  statsVersion: "Versión",
  statsOnline: "Personas conectadas",
  statsRooms: "Salas",
  statsRate: "Mensajes por segundo",
  statsTotal: "Mensajes desde el arranque",
  statsUptime: "En marcha desde hace",
  statsWaiting: "—",
  statsError: "Las cifras del servidor no están disponibles ahora.",
  statsPeople: "Personas en el chat",
  statsNodes: "Nodos",
  statsWhole: "el chat está entero",
  statsSplit: "partido: este servidor perdió el enlace con los demás nodos",
  statsThisNode: "(este nodo)",
  close: "Cerrar",
  switcherTitle: "Ir a una sala o conversación",
  switcherLabel: "Sala o nombre",
  switcherHint: "Escribe para filtrar; Intro va allí, Escape cierra.",
  keysHint: "Intro envía · Tab completa un nombre · Alt+↑/↓ o Ctrl+K cambian de sala",
  reconnectNow: "Reconectar ya",
  enterAgain: "Volver a entrar",
  statusConnecting: "Conectando…",
  statusRegistering: "Entrando…",
  statusOnline: "Conectado como {nick}",
  statusWaiting: "Se perdió la conexión. Reconectando en {s} s…",
  statusReconnecting: "Se perdió la conexión. Reconectando…",
  statusLeft: "Has salido del chat.",
  statusIdle: "Sin conexión",
  reconnected: "Reconectado. Vuelves a estar en {rooms}.",
  reconnectedNoRooms: "Reconectado.",
  connectionLost: "Se perdió la conexión; reconectando…",
  nameInvalid: "El servidor no acepta el nombre {nick}.",
  nameTaken: "El nombre {nick} ya está en uso; elige otro.",
  connectFailed: "No se pudo contactar con el servidor del chat. Comprueba la dirección y vuelve a intentarlo.",
  loginFailed: "La contraseña de {nick} no es esa, o {nick} no es un nombre registrado.",
  saslFailed: "El servidor no pudo identificarte como {nick}. Vuelve a intentarlo.",
  saslFailedOnReturn: "No se pudo volver a identificarte como {nick}: estás conectado sin tu cuenta.",
  saslUnavailable: "Este servidor no admite contraseñas: has entrado sin cuenta.",
  nameEmpty: "Escribe primero un nombre.",
  nameTooLong: "Tiene más de {n} caracteres.",
  nameSpace: "Tiene un espacio.",
  nameInvisible: "Tiene un carácter invisible o de control.",
  nameBadStart: "No puede empezar por “{ch}”.",
  nameBadChar: "No puede contener “{ch}”.",
  nameReserved: "Esa palabra está reservada.",
  nickInvalid: "El nombre {nick} no está permitido.",
  nickTaken: "El nombre {nick} ya está en uso.",
  nickTakenOnReturn: "Tu nombre {nick} seguía ocupado al reconectar; de momento eres {alt}.",
  join: "{nick} ha entrado",
  joinSelf: "Has entrado en {room}",
  rejoinSelf: "Vuelves a estar en {room}",
  loadEarlier: "Cargar mensajes anteriores",
  loadingEarlier: "Cargando mensajes anteriores…",
  liveStart: "Arriba, mensajes anteriores; desde aquí, en directo",
  part: "{nick} se ha ido",
  partReason: "{nick} se ha ido ({reason})",
  quit: "{nick} ha salido",
  quitReason: "{nick} ha salido ({reason})",
  kick: "{by} ha echado a {nick}",
  kickReason: "{by} ha echado a {nick} ({reason})",
  kickSelf: "{by} te ha echado de esta sala",
  kickSelfReason: "{by} te ha echado de esta sala ({reason})",
  nick: "{old} ahora se llama {new}",
  nickSelf: "Ahora te llamas {new}",
  topic: "{nick} ha puesto el tema: {text}",
  topicCleared: "{nick} ha quitado el tema",
  topicIs: "Tema: {text}",
  noTopic: "Sin tema",
  mode: "{nick} ha cambiado los modos: {modes}",
  roomModes: "Modos de {room}: {modes}",
  serverError: "El servidor cerró la conexión: {text}",
  notInChat: "Elige antes una sala o una conversación.",
  notConnected: "Ahora mismo no hay conexión; espera un momento.",
  usageJoin: "Uso: /join #sala",
  usagePart: "Uso: /part #sala [motivo]",
  usageNick: "Uso: /nick nombre-nuevo",
  usageMe: "Uso: /me hace algo",
  usageMsg: "Uso: /msg nombre mensaje",
  usageQuery: "Uso: /query nombre",
  usageTopic: "Uso: /topic #sala [tema nuevo]",
  help: "Comandos:\n/join #sala: entrar en una sala o crearla\n/part [motivo]: salir de esta sala\n/msg nombre texto: un mensaje privado\n/me texto: una acción («* tú texto»)\n/nick nombre: cambiar de nombre\n/topic [texto]: ver o poner el tema de la sala\n/close: cerrar esta conversación\n/quit: salir del chat\nPregunta al asistente con «gpt: pregunta» en una sala, o en privado con /msg gpt pregunta.",
  err401: "No hay nadie llamado {target}.",
  err403: "No existe la sala {target}.",
  err404: "Ahora no puedes escribir en {target} (quizá tengas que entrar, o está moderada).",
  err405: "Estás en demasiadas salas; sal antes de alguna.",
  err406: "No había nadie llamado {target}.",
  err412: "No había nada que enviar.",
  err421: "Orden desconocida: {target}",
  err441: "{target} no está en esa sala.",
  err442: "No estás en {target}.",
  err443: "{target} ya está en esa sala.",
  err461: "A ese comando le faltan parámetros: {target}",
  err471: "{target} está llena.",
  err473: "A {target} solo se entra con invitación.",
  err474: "Tienes prohibida la entrada en {target}.",
  err475: "{target} necesita una clave: /join {target} CLAVE",
  err481: "Eso solo pueden hacerlo los operadores del servidor.",
  err482: "Eso solo pueden hacerlo los operadores de {target}.",
  durDays: { one: "{n} día", other: "{n} días" },
  durHours: "{n} h",
  durMinutes: "{n} min",
  durSeconds: "{n} s",
  durJoin: "{a} {b}",
  listJoin: ", ",
};

export const TABLES = { en, es };
export const LANGS = Object.keys(TABLES);
export const STORAGE_KEY = "charla.lang";

let lang = "en";

// The language to use: the one stored (the EN/ES switch), else the first of the browser's
// that we have, else English.
export function pickLang(stored, languages = []) {
  if (stored && TABLES[stored]) return stored;
  for (const l of languages) {
    const base = String(l).toLowerCase().split("-")[0];
    if (TABLES[base]) return base;
  }
  return "en";
}

export function setLang(l) {
  lang = TABLES[l] ? l : "en";
}

export function getLang() {
  return lang;
}

function entry(key, n, table = TABLES[lang]) {
  let v = table[key] ?? TABLES.en[key];
  if (v === undefined) return key;
  if (typeof v === "object") {
    const cat = new Intl.PluralRules(lang).select(Number(n));
    v = v[cat] ?? v.other;
  }
  return v;
}

function fill(vars) {
  const n = vars.n;
  return typeof n === "number" ? { ...vars, n: fmtNumber(n) } : vars;
}

// The text of `key` with its placeholders filled in.
export function t(key, vars = {}) {
  return tParts(key, vars).map((p) => p.text).join("");
}

// The text of `key` as parts: [{ text }] for the table's words and [{ text, name }] for each
// filled placeholder, so that the page can style a name (and never parses it as markup).
export function tParts(key, vars = {}) {
  const v = entry(key, vars.n);
  const values = fill(vars);
  const parts = [];
  let last = 0;
  for (const m of v.matchAll(/\{(\w+)\}/g)) {
    if (m.index > last) parts.push({ text: v.slice(last, m.index) });
    const name = m[1];
    parts.push({ text: name in values ? String(values[name]) : m[0], name });
    last = m.index + m[0].length;
  }
  if (last < v.length) parts.push({ text: v.slice(last) });
  return parts;
}

export function fmtNumber(n, opts = {}) {
  return new Intl.NumberFormat(lang, opts).format(n);
}

export function fmtTime(date) {
  return new Intl.DateTimeFormat(lang, { hour: "numeric", minute: "2-digit" }).format(date);
}

export function fmtDateTime(date) {
  return new Intl.DateTimeFormat(lang, { dateStyle: "medium", timeStyle: "medium" }).format(date);
}

// "2 days 3 h", "3 h 12 min", "4 min 9 s", "12 s": the two largest units.
export function fmtDuration(seconds) {
  const s = Math.max(0, Math.floor(seconds));
  const units = [
    ["durDays", Math.floor(s / 86400)],
    ["durHours", Math.floor((s % 86400) / 3600)],
    ["durMinutes", Math.floor((s % 3600) / 60)],
    ["durSeconds", s % 60],
  ];
  const first = units.findIndex(([, v]) => v > 0);
  if (first < 0) return t("durSeconds", { n: 0 });
  const a = t(units[first][0], { n: units[first][1] });
  const next = units[first + 1];
  if (!next || next[1] === 0) return a;
  return t("durJoin", { a, b: t(next[0], { n: next[1] }) });
}

// A list of names for a sentence, as the language joins them.
export function fmtList(items) {
  if (typeof Intl.ListFormat === "function") {
    return new Intl.ListFormat(lang, { style: "long", type: "conjunction" }).format(items);
  }
  return items.join(t("listJoin"));
}

// Puts the current language's words into the static page: textContent of [data-i18n], and
// the attributes named by data-i18n-ATTR (aria-label, placeholder, title).
export function translateDom(root) {
  root.documentElement && (root.documentElement.lang = lang);
  for (const el of root.querySelectorAll("[data-i18n]")) el.textContent = t(el.dataset.i18n);
  for (const attr of ["aria-label", "placeholder", "title"]) {
    const data = "data-i18n-" + attr;
    for (const el of root.querySelectorAll("[" + data + "]")) {
      el.setAttribute(attr, t(el.getAttribute(data)));
    }
  }
}
