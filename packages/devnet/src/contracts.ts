import { createRequire } from 'node:module'
import { type Abi, type Account, type Address, getAddress, type Hex } from 'viem'
import type { Anvil } from './anvil.ts'

/** ABI and creation bytecode of a compiled or published contract. */
export type Artifact = { abi: Abi; bytecode: Hex }

const require = createRequire(import.meta.url)

/** The compiler version the test contracts are pinned to (the `solc` npm package, offline). */
export const SOLC_VERSION = '0.8.28'

// A minimal ERC-20 and a pausable vault with a deliberate drain bug (withdraw is open to anyone and
// does not update `reserves`): the protocol the sentry watches and the guardian pauses.
const SOURCE = `// SPDX-License-Identifier: MIT
pragma solidity ${SOLC_VERSION};

contract TestToken {
    string public name = "Test USD";
    string public symbol = "TUSD";
    uint8 public constant decimals = 18;
    uint256 public totalSupply;
    mapping(address => uint256) public balanceOf;
    mapping(address => mapping(address => uint256)) public allowance;

    event Transfer(address indexed from, address indexed to, uint256 value);
    event Approval(address indexed owner, address indexed spender, uint256 value);

    constructor(address holder, uint256 amount) {
        totalSupply = amount;
        balanceOf[holder] = amount;
        emit Transfer(address(0), holder, amount);
    }

    function transfer(address to, uint256 amount) external returns (bool) {
        _move(msg.sender, to, amount);
        return true;
    }

    function approve(address spender, uint256 amount) external returns (bool) {
        allowance[msg.sender][spender] = amount;
        emit Approval(msg.sender, spender, amount);
        return true;
    }

    function transferFrom(address from, address to, uint256 amount) external returns (bool) {
        uint256 allowed = allowance[from][msg.sender];
        require(allowed >= amount, "TestToken: allowance");
        if (allowed != type(uint256).max) allowance[from][msg.sender] = allowed - amount;
        _move(from, to, amount);
        return true;
    }

    function _move(address from, address to, uint256 amount) internal {
        require(balanceOf[from] >= amount, "TestToken: balance");
        balanceOf[from] -= amount;
        balanceOf[to] += amount;
        emit Transfer(from, to, amount);
    }
}

contract TestVault {
    TestToken public immutable token;
    address public owner;
    address public guardian;
    bool public paused;
    uint256 public reserves;

    event Paused(address by);
    event Unpaused(address by);
    event OwnershipTransferred(address indexed previousOwner, address indexed newOwner);

    constructor(TestToken token_, address owner_, address guardian_) {
        token = token_;
        owner = owner_;
        guardian = guardian_;
    }

    modifier onlyOwner() {
        require(msg.sender == owner, "TestVault: not owner");
        _;
    }

    function pause() external {
        require(msg.sender == guardian || msg.sender == owner, "TestVault: not guardian");
        paused = true;
        emit Paused(msg.sender);
    }

    function unpause() external onlyOwner {
        paused = false;
        emit Unpaused(msg.sender);
    }

    function deposit(uint256 amount) external {
        require(!paused, "TestVault: paused");
        token.transferFrom(msg.sender, address(this), amount);
        reserves += amount;
    }

    // The bug: anyone may withdraw, and reserves are not reduced.
    function withdraw(address to, uint256 amount) external {
        require(!paused, "TestVault: paused");
        token.transfer(to, amount);
    }

    function transferOwnership(address newOwner) external onlyOwner {
        emit OwnershipTransferred(owner, newOwner);
        owner = newOwner;
    }
}

// A Safe transaction guard the guardian Safe can pause: while paused, the guarded Safe executes
// nothing but its own unpause (which its signers treat as Critical). The sentry's pause target.
contract PauseGuard {
    address public immutable guardian;
    address public immutable safe;
    bool public paused;

    event Paused(address by);
    event Unpaused(address by);

    constructor(address guardian_, address safe_) {
        guardian = guardian_;
        safe = safe_;
    }

    function pause() external {
        require(msg.sender == guardian, "PauseGuard: guardian only");
        paused = true;
        emit Paused(msg.sender);
    }

    function unpause() external {
        require(msg.sender == safe, "PauseGuard: the guarded Safe only");
        paused = false;
        emit Unpaused(msg.sender);
    }

    function checkTransaction(
        address to, uint256, bytes memory data, uint8 operation, uint256, uint256, uint256, address,
        address payable, bytes memory, address
    ) external view {
        bool isUnpause = to == address(this) && operation == 0 && data.length == 4 && bytes4(data) == this.unpause.selector;
        require(!paused || isUnpause, "PauseGuard: paused");
    }

    function checkAfterExecution(bytes32, bool) external view {}

    // ERC-165: Safe 1.4.1's setGuard requires the Guard interface (0xe6d7a83a).
    function supportsInterface(bytes4 interfaceId) external pure returns (bool) {
        return interfaceId == 0xe6d7a83a || interfaceId == 0x01ffc9a7;
    }
}
`

type SolcOutput = {
  errors?: { severity: string; formattedMessage: string }[]
  contracts: Record<string, Record<string, { abi: Abi; evm: { bytecode: { object: string } } }>>
}

type TestContract = 'TestToken' | 'TestVault' | 'PauseGuard'

let compiled: Record<TestContract, Artifact> | undefined

/**
 * The test contracts compiled with solc-js (once per test process, then cached in memory).
 *
 * @example
 * const { abi, bytecode } = testContracts().TestVault
 */
export function testContracts(): Record<TestContract, Artifact> {
  if (compiled) return compiled
  const solc = require('solc') as { version(): string; compile(input: string): string }
  if (!solc.version().startsWith(SOLC_VERSION)) {
    throw new Error(`solc ${solc.version()} is installed, expected ${SOLC_VERSION}.`)
  }
  const input = {
    language: 'Solidity',
    sources: { 'Test.sol': { content: SOURCE } },
    settings: {
      optimizer: { enabled: true, runs: 200 },
      evmVersion: 'cancun',
      outputSelection: { '*': { '*': ['abi', 'evm.bytecode.object'] } },
    },
  }
  const output = JSON.parse(solc.compile(JSON.stringify(input))) as SolcOutput
  const errors = (output.errors ?? []).filter((e) => e.severity === 'error')
  if (errors.length > 0) throw new Error(errors.map((e) => e.formattedMessage).join('\n'))
  const pick = (name: TestContract): Artifact => {
    const contract = output.contracts['Test.sol']?.[name]
    if (!contract) throw new Error(`solc produced no ${name}`)
    return { abi: contract.abi, bytecode: `0x${contract.evm.bytecode.object}` }
  }
  compiled = { TestToken: pick('TestToken'), TestVault: pick('TestVault'), PauseGuard: pick('PauseGuard') }
  return compiled
}

/**
 * OpenZeppelin's TimelockController 4.9.6, from the bytecode the npm package ships.
 *
 * @example
 * const { abi, bytecode } = timelockArtifact()
 */
export function timelockArtifact(): Artifact {
  const { abi, bytecode } =
    require('@openzeppelin/contracts/build/contracts/TimelockController.json') as Artifact
  return { abi, bytecode }
}

/**
 * Deploys a contract and waits for it; returns its address.
 *
 * @example
 * const token = await deploy({ anvil, deployer, artifact: testContracts().TestToken, args: [holder, 10n ** 24n] })
 */
export async function deploy({
  anvil,
  deployer,
  artifact,
  args = [],
}: {
  anvil: Anvil
  deployer: Account
  artifact: Artifact
  args?: readonly unknown[] | undefined
}): Promise<Address> {
  const hash = await anvil
    .walletFor(deployer)
    .deployContract({ abi: artifact.abi, bytecode: artifact.bytecode, args })
  const receipt = await anvil.publicClient.waitForTransactionReceipt({ hash, pollingInterval: 20 })
  if (receipt.status !== 'success' || !receipt.contractAddress)
    throw new Error(`Deployment failed (${hash}).`)
  return getAddress(receipt.contractAddress)
}

/**
 * Sends a contract write from `account` and waits for it to be mined successfully.
 *
 * @example
 * await write({ anvil, account, address: token, abi, functionName: 'approve', args: [vault, amount] })
 */
export async function write({
  anvil,
  account,
  address,
  abi,
  functionName,
  args = [],
}: {
  anvil: Anvil
  account: Account
  address: Address
  abi: Abi
  functionName: string
  args?: readonly unknown[] | undefined
}): Promise<void> {
  const hash = await anvil.walletFor(account).writeContract({ address, abi, functionName, args } as never)
  const receipt = await anvil.publicClient.waitForTransactionReceipt({ hash, pollingInterval: 20 })
  if (receipt.status !== 'success') throw new Error(`${functionName} reverted (${hash}).`)
}
