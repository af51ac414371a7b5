import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App';
import { loadApiUrl } from './api';
import './styles.css';

const apiUrl = await loadApiUrl();
createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <App apiUrl={apiUrl} />
  </StrictMode>,
);
