// The roles view: built in JavaScript inside <section id="roles-view">.
export function init() {}
export function show() {}
export function focus() {}
