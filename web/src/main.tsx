import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './app.js';
import { SessionProvider } from './session.js';
import { TrustProvider } from './trust-context.js';
import './styles.css';

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <SessionProvider>
      <TrustProvider>
        <App />
      </TrustProvider>
    </SessionProvider>
  </StrictMode>,
);
