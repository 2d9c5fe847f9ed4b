// The apikeys view: built in JavaScript inside <section id="apikeys-view">.
export function init() {}
export function show() {}
export function focus() {}
