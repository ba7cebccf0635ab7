-- The names of the owners' elected representatives a property manager applies with (Art. 20).
ALTER TABLE claims ADD COLUMN owner_representatives TEXT;
