/** @module Entry of the chat page bundle (built by scripts/build-web.ts). */
import { render } from "preact";
import { App } from "./app.tsx";
import "./styles.css";

const root = document.getElementById("app");
if (root) render(<App />, root);
